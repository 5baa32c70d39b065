"""Reads of accounts."""

from django.db.models import Count, Q, QuerySet

from wilayah.models import Kelurahan

from .identity import nik_hash
from .models import User
from .predicates import is_admin


def resident_by_nik(*, nik: str) -> User | None:
    """The account registered with this NIK, matched through its keyed hash."""
    return User.objects.select_related("kelurahan__kecamatan").filter(nik_hash=nik_hash(nik)).first()


def kelurahan_for_residence_desk(*, user: User) -> QuerySet[Kelurahan]:
    """The kelurahan whose residents this officer verifies: an LPM's own, every one for an admin."""
    every = Kelurahan.objects.select_related("kecamatan").order_by("kecamatan__name", "name")
    if is_admin(user):
        return every
    return every.filter(moderators=user)


def invitation_counts(*, kelurahan: QuerySet[Kelurahan]) -> QuerySet[Kelurahan]:
    """Each kelurahan with how many codes were printed and used, and how many residents are verified."""
    return kelurahan.annotate(
        codes_total=Count("residence_invitations", distinct=True),
        codes_used=Count("residence_invitations", filter=Q(residence_invitations__used_at__isnull=False), distinct=True),
        verified=Count("residents", filter=Q(residents__residence_verified_at__isnull=False), distinct=True),
        registered=Count("residents", distinct=True),
    )
