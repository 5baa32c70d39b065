"""A registered NIK can be disputed: the holder of the KTP gets it back at the LPM desk.

The NIK is not a secret, so someone may have registered with another person's NIK first. The
holder then registers without a NIK (`user_register_without_nik`, offered by the registration
form when it finds the NIK taken) and shows their KTP at the LPM desk of their kelurahan; the
officer moves the NIK to their account (`nik_move`). The account that held it loses its voting
rights (no NIK, residence unverified) and is told why in its inbox.

Voting history: a ballot already cast under the NIK stays counted (it was cast, and the tally may
be published), but it is re-keyed at random exactly as for a deleted account (voting listens to
`nik_moving`), so neither account can read or change it, and the NIK cannot vote again in those
areas of those rounds: one NIK, one vote. Nobody is shown whether or how the other account voted.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wilayah.models import Kelurahan

from .audit import audit_record
from .identity import nik_stored_fields
from .models import User
from .nik import NikInfo
from .services import DuplicateEmail, DuplicatePhone
from .signals import nik_moving


class NikMoveError(Exception):
    """The NIK cannot be moved to this account; the message says why, in the officer's language."""


@transaction.atomic
def user_register_without_nik(*, full_name: str, email: str | None, phone: str, kelurahan: Kelurahan,
                              password: str, language: str = "id") -> User:
    """An account for someone whose NIK another account already holds. It cannot vote until an LPM
    officer who has seen the KTP moves the NIK to it. Nothing of the NIK typed is kept."""
    from .services import account_create

    email = (email or "").strip().lower() or None
    if email and User.objects.filter(email__iexact=email).exists():
        raise DuplicateEmail
    if phone and User.objects.filter(phone=phone).exists():
        raise DuplicatePhone
    user = account_create(email=email, full_name=full_name, phone=phone, kelurahan=kelurahan, password=password,
                          language=language)
    audit_record(actor=user, action="account.registered_nik_disputed", target=user, detail={})
    return user


@transaction.atomic
def nik_move(*, officer: User, nik: NikInfo, holder: User) -> User | None:
    """Gives the NIK to `holder`, whose KTP the officer has seen; returns the account that held it
    (None when no account did). Only an LPM officer of the holder's kelurahan may do it."""
    holder = User.objects.select_for_update().get(pk=holder.pk)
    if not officer.has_perm("accounts.move_nik", holder):
        raise PermissionDenied
    stored = nik_stored_fields(nik, today=timezone.localdate())
    if holder.nik_hash == stored["nik_hash"]:
        raise NikMoveError(_("Akun ini sudah memegang NIK tersebut. Tidak ada yang perlu dipindahkan."))
    if holder.nik_hash:
        raise NikMoveError(_("Akun ini sudah memiliki NIK lain. Satu akun hanya untuk satu NIK; periksa kembali "
                             "email atau nomor HP pemilik KTP."))
    previous = User.objects.select_for_update().filter(nik_hash=stored["nik_hash"]).first()
    if previous is not None:
        nik_moving.send(sender=User, user=previous)
        previous.nik_hash = None
        previous.gender, previous.birth_year, previous.adult_on = "", None, None
        previous.residence_verified_at = None
        previous.save(update_fields=["nik_hash", "gender", "birth_year", "adult_on", "residence_verified_at"])
        _tell_previous_holder(previous)
    for name, value in stored.items():
        setattr(holder, name, value)
    holder.save(update_fields=list(stored))
    audit_record(actor=officer, action="nik.move", target=holder, detail={
        "from_account": previous.pk if previous else None, "to_account": holder.pk, "kelurahan": holder.kelurahan_id,
    })
    if previous is not None:
        audit_record(actor=officer, action="nik.removed", target=previous, detail={"to_account": holder.pk})
    return previous


def _tell_previous_holder(user: User) -> None:
    from notifications.services import notify

    notify(recipient=user, kind="nik_moved", context={}, url="")
