"""Demo accounts, one per role (SPEC section 7). For demonstration only."""

import datetime as dt

from django.utils import timezone

from wilayah.models import Kecamatan, Kelurahan

from .identity import nik_hash, nik_stored_fields
from .models import CensusEntry, Role, User

DEMO_PASSWORD = "suarawarga-demo"

# email, name, role, kelurahan code, NIK (valid structure, fictitious people)
DEMO_USERS = [
    ("warga@demo.local", "Siti Rahmawati", Role.CITIZEN, "64.71.05.1006", "6471055203900001"),
    ("warga2@demo.local", "Budi Santoso", Role.CITIZEN, "64.71.03.1001", "6471031708850002"),
    ("lpm@demo.local", "Hendra Wijaya", Role.MODERATOR, "64.71.05.1006", "6471050101800003"),
    ("verifikator@demo.local", "Ir. Rudi Hartono", Role.VERIFIKATOR, "64.71.04.1005", "6471040502780004"),
    ("dewan@demo.local", "Dra. Maria Ulfa", Role.COUNCIL, "64.71.06.1003", "6471064903750005"),
    ("admin@demo.local", "Admin Kota", Role.ADMIN, "64.71.06.1001", "6471061010820006"),
    ("warga3@demo.local", "Rina Lestari", Role.CITIZEN, "64.71.05.1006", "6471056407920007"),
]
# Not in the demo census and not verified: her ballot page says how to get verified (issue 12).
UNVERIFIED_DEMO_USERS = {"warga3@demo.local"}


def seed_users() -> dict[str, User]:
    from .nik import parse_nik

    users = {}
    now = timezone.now()
    for email, name, role, kel_code, nik in DEMO_USERS:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "full_name": name, "role": role, "kelurahan": Kelurahan.objects.get(code=kel_code),
                **nik_stored_fields(parse_nik(nik), today=timezone.localdate()), "email_verified_at": now,
                "residence_verified_at": None if email in UNVERIFIED_DEMO_USERS else now,
                "consent_version": "demo", "consent_at": now,
                "is_staff": role == Role.ADMIN, "is_superuser": role == Role.ADMIN,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        users[email] = user
    users["lpm@demo.local"].moderated_kelurahan.add(Kelurahan.objects.get(code="64.71.05.1006"))
    users["lpm@demo.local"].moderated_kecamatan.add(Kecamatan.objects.get(code="64.71.05"))
    # A demo census: the verified residents are listed, the unverified one is not.
    CensusEntry.objects.bulk_create(
        [CensusEntry(nik_hash=nik_hash(nik), kelurahan_id=kel_code) for email, _n, _r, kel_code, nik in DEMO_USERS
         if email not in UNVERIFIED_DEMO_USERS], ignore_conflicts=True)
    return users


def demo_birth_date(age: int) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - age)
