"""Issue 11 / SPEC 4: without NIK_HASH_KEY, nothing stored narrows a NIK to fewer than about
10,000 candidates.

A NIK is 6 digits of region, DDMMYY of birth (day + 40 for women) and a 4-digit serial
0001-9999. The attacker here is generous to themselves: they take the region to be the
kecamatan the person lives in (right for most people, SPEC 4), and then read every column of
every table (found by introspection, so a column added later is attacked too) for what narrows
the rest: the serial or any longer tail of the NIK, the birth date (any stored date on the same
day and month, such as a minor's 17th birthday), the birth year, the gender.

"About 10,000" is the serial space: 9,999 values, all left open as long as no stored value holds
those digits. Only a minor, who keeps the day they turn 17 until it passes (issue 11), is
narrowed to the serial space alone; every adult keeps at least 365 times that.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from accounts.identity import nik_hash
from accounts.models import Role, User
from accounts.nik import parse_nik
from accounts.services import user_register
from tests.factories import UserFactory, make_nik
from tests.voting.conftest import GUNUNG_BAHAGIA, make_round, project_ids
from voting import services as voting_services
from wilayah.models import Kelurahan

pytestmark = pytest.mark.django_db

SERIALS = 9_999


def _rows_of_every_table() -> list[tuple[str, dict]]:
    rows = []
    for model in apps.get_models(include_auto_created=True):
        columns = [f.attname for f in model._meta.concrete_fields]
        rows += [(model._meta.db_table, row) for row in model.objects.values(*columns)]
    return rows


def _linked(rows, user_pk: int | None, hashed: str) -> list[tuple[str, dict]]:
    """Rows about this person: their account, rows pointing at it, rows holding their NIK hash."""
    user_fks = {(m._meta.db_table, f.attname) for m in apps.get_models(include_auto_created=True)
                for f in m._meta.concrete_fields if f.is_relation and f.related_model is User}
    found = []
    for table, row in rows:
        if table == User._meta.db_table and row["id"] == user_pk:
            found.append((table, row))
        elif any((table, column) in user_fks and value == user_pk for column, value in row.items()):
            found.append((table, row))
        elif hashed in {str(v) for v in row.values()}:
            found.append((table, row))
    return found


def _candidates(nik: str, rows, linked) -> int:
    info = parse_nik(nik)
    # The whole NIK, or any tail of it from the serial leftwards, anywhere in the database
    for _table, row in rows:
        for value in row.values():
            text = str(value)
            assert nik not in text, "the NIK itself is stored"
    values = [v for _t, row in linked for v in row.values() if v not in (None, "")]
    texts = {str(v) for v in values}
    serial_known = any(text == nik[-n:] or text.endswith(nik[-n:]) and text.isdigit() for text in texts
                       for n in range(4, 11))
    dates = [v for v in values if isinstance(v, dt.date) and not isinstance(v, dt.datetime)]
    day_known = any((d.month, d.day) == (info.birth_date.month, info.birth_date.day) for d in dates) or any(
        nik[6:12] in text for text in texts)
    year_known = info.birth_date.year in values or any(d.year == info.birth_date.year for d in dates)
    gender_known = info.gender in values or nik[6:12] in " ".join(texts)
    days = 1 if day_known else (365 if year_known else 365 * 100)
    return (1 if serial_known else SERIALS) * days * (1 if gender_known else 2)


def test_no_stored_combination_rebuilds_a_nik(client):
    today = timezone.localdate()
    round_ = make_round()
    kelurahan = Kelurahan.objects.get(code=GUNUNG_BAHAGIA)
    area = round_.test_areas["kel"]
    minor_birth = today.replace(year=today.year - 16) - dt.timedelta(days=30)
    people = {
        "man": make_nik(birth=dt.date(1984, 7, 23)),
        "woman": make_nik(birth=dt.date(1992, 4, 5), female=True),
        "minor": make_nik(birth=minor_birth, female=True),
    }
    users = {}
    for who, nik in people.items():
        users[who] = user_register(full_name=f"Warga {who}", email=f"{who}@example.test", phone="",
                                   nik=parse_nik(nik), kelurahan=kelurahan, password="rahasia-123")
        User.objects.filter(pk=users[who].pk).update(residence_verified_at=timezone.now())
    for who in ("man", "woman"):
        voting_services.ballot_cast(voter=User.objects.get(pk=users[who].pk), area=area,
                                    choices=project_ids(area)[:1])
    # a paper ballot for someone with no account, and an LPM desk lookup of a registered one
    moderator = UserFactory(role=Role.MODERATOR)
    moderator.moderated_kelurahan.add(kelurahan)
    people["paper"] = make_nik(birth=dt.date(1970, 12, 31))
    voting_services.paper_ballot_enter(moderator=moderator, nik=people["paper"], area=area,
                                       choices=project_ids(area)[1:2])
    client.force_login(moderator)
    client.post(reverse("accounts:residence_desk"), {"nik": people["woman"]})
    client.force_login(User.objects.get(pk=users["man"].pk))
    client.get(reverse("accounts:data_download"))

    rows = _rows_of_every_table()
    found = {}
    for who, nik in people.items():
        user = users.get(who)
        found[who] = _candidates(nik, rows, _linked(rows, user.pk if user else None, nik_hash(nik)))
    print("candidates per person:", found)
    assert all(n >= SERIALS for n in found.values()), found
    assert all(n >= SERIALS * 365 for who, n in found.items() if who != "minor"), found
