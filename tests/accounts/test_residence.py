"""Residence verification (SPEC 4): an LPM officer who sees the KTP, or a one-time code handed out
on paper through the RT. Only then may a resident vote in a round that requires it."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from accounts import services
from accounts.identity import nik_hash
from accounts.models import AuditEntry, ResidenceInvitation, Role
from rounds.models import BallotType
from tests.factories import UserFactory, make_nik
from tests.voting.conftest import BATU_AMPAR, GUNUNG_BAHAGIA, make_round
from wilayah.models import Kelurahan

pytestmark = pytest.mark.django_db
CODE = re.compile(r"<code>([A-Z0-9]{4}-[A-Z0-9]{4})</code>")


@pytest.fixture
def gunung_bahagia():
    return Kelurahan.objects.get(code=GUNUNG_BAHAGIA)


@pytest.fixture
def batu_ampar():
    return Kelurahan.objects.get(code=BATU_AMPAR)


@pytest.fixture
def lpm(gunung_bahagia):
    officer = UserFactory(role=Role.MODERATOR, full_name="Hendra Wijaya")
    officer.moderated_kelurahan.add(gunung_bahagia)
    return officer


def _resident(kelurahan, **kwargs):
    nik = make_nik(birth=dt.date(1988, 3, 9))
    return UserFactory(kelurahan=kelurahan, nik_hash=nik_hash(nik), residence_verified_at=None,
                       **kwargs), nik


def _print_codes(client, kelurahan, count: int) -> list[str]:
    response = client.post(reverse("accounts:invitations"), {"kelurahan": kelurahan.pk, "count": count})
    assert response.status_code == 200
    return CODE.findall(response.content.decode())


# --- in person ---------------------------------------------------------------------------------

def test_an_lpm_officer_finds_a_resident_by_the_nik_on_the_ktp_and_verifies_them(client, lpm, gunung_bahagia):
    resident, nik = _resident(gunung_bahagia, full_name="Siti Rahmawati")
    client.force_login(lpm)
    page = client.post(reverse("accounts:residence_desk"), {"nik": nik}).content.decode()
    assert "Siti Rahmawati" in page and nik not in page
    # what the officer compares with the KTP comes from the NIK just typed, not from the account
    assert "*" * 12 + nik[-4:] in page and "9 Maret 1988" in page and "Laki-laki" in page
    response = client.post(reverse("accounts:residence_verify", args=[resident.pk]), follow=True)
    assert "sudah diverifikasi" in response.content.decode()
    resident.refresh_from_db()
    assert resident.is_residence_verified
    actions = set(AuditEntry.objects.filter(target_id=str(resident.pk)).values_list("action", flat=True))
    assert actions == {"residence.lookup", "residence.verify"}  # the lookup is logged too
    assert AuditEntry.objects.get(action="residence.verify").detail == {"method": "in_person",
                                                                       "kelurahan": GUNUNG_BAHAGIA}


def test_an_officer_cannot_see_nor_verify_a_resident_of_another_kelurahan(client, lpm, batu_ampar):
    resident, nik = _resident(batu_ampar, full_name="Rina Kartika")
    client.force_login(lpm)
    page = client.post(reverse("accounts:residence_desk"), {"nik": nik}).content.decode()
    # Only that the NIK is registered elsewhere: neither the name nor the kelurahan of that account.
    assert "terdaftar pada akun di kelurahan lain" in page
    assert "Rina Kartika" not in page and "Batu Ampar" not in page
    assert reverse("accounts:residence_verify", args=[resident.pk]) not in page
    assert client.post(reverse("accounts:residence_verify", args=[resident.pk])).status_code == 403
    resident.refresh_from_db()
    assert not resident.is_residence_verified


def test_the_desk_says_when_no_account_has_the_nik_and_checks_the_nik(client, lpm):
    client.force_login(lpm)
    assert "Belum ada akun dengan NIK ini" in client.post(
        reverse("accounts:residence_desk"), {"nik": make_nik(birth=dt.date(1970, 1, 1))}).content.decode()
    page = client.post(reverse("accounts:residence_desk"), {"nik": "12345"}).content.decode()
    assert "harus tepat 16 digit" in page
    assert not AuditEntry.objects.filter(action="residence.lookup").exists()


@pytest.mark.parametrize(("role", "desk", "verify"), [
    ("anonymous", 302, 302), ("citizen", 403, 403), ("verifikator", 403, 403), ("council", 403, 403),
    ("moderator_other", 200, 403), ("moderator", 200, 302), ("admin", 200, 302),
])
def test_who_may_use_the_desk_and_verify(client, gunung_bahagia, batu_ampar, lpm, role, desk, verify):
    resident, _nik = _resident(gunung_bahagia)
    users = {"citizen": UserFactory(), "verifikator": UserFactory(role=Role.VERIFIKATOR),
             "council": UserFactory(role=Role.COUNCIL), "moderator": lpm, "admin": UserFactory(role=Role.ADMIN)}
    other = UserFactory(role=Role.MODERATOR)
    other.moderated_kelurahan.add(batu_ampar)
    users["moderator_other"] = other
    if role != "anonymous":
        client.force_login(users[role])
    assert client.get(reverse("accounts:residence_desk")).status_code == desk
    assert client.get(reverse("accounts:invitations")).status_code == desk
    assert client.post(reverse("accounts:residence_verify", args=[resident.pk])).status_code == verify
    resident.refresh_from_db()
    assert resident.is_residence_verified == (verify == 302 and role != "anonymous")


# --- invitation codes --------------------------------------------------------------------------

def test_codes_are_printed_once_stored_only_as_hashes_and_each_verifies_one_resident(client, lpm, gunung_bahagia):
    client.force_login(lpm)
    codes = _print_codes(client, gunung_bahagia, 5)
    assert len(codes) == len(set(codes)) == 5
    stored = ResidenceInvitation.objects.filter(kelurahan=gunung_bahagia)
    assert stored.count() == 5
    assert not any(code.replace("-", "") in str(row.code_hash) for code in codes for row in stored)
    listing = client.get(reverse("accounts:invitations")).content.decode()
    assert not CODE.findall(listing)  # shown once, on the sheet; the page lists only counts
    assert re.search(r"Gunung Bahagia.*?<td class=\"text-end\">5</td><td class=\"text-end\">0</td>", listing, re.S)

    first, _ = _resident(gunung_bahagia)
    second, _ = _resident(gunung_bahagia)
    client.force_login(first)
    response = client.post(reverse("accounts:invitation_redeem"), {"code": codes[0].lower().replace("-", " ")},
                           follow=True)
    assert "Domisili Anda sudah terverifikasi" in response.content.decode()
    client.force_login(second)
    response = client.post(reverse("accounts:invitation_redeem"), {"code": codes[0]}, follow=True)
    assert "sudah dipakai" in response.content.decode()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_residence_verified and not second.is_residence_verified
    used = stored.get(used_by=first)
    assert used.used_at is not None
    assert AuditEntry.objects.get(action="residence.verify").detail["method"] == "invitation"


@pytest.mark.parametrize(("code", "message"), [
    ("ABCD", "terdiri dari 8 huruf dan angka"),
    ("ABCD-0O1I", "terdiri dari 8 huruf dan angka"),  # letters a person could misread are never used
    ("ZZZZ-ZZZZ", "tidak dikenal"),
])
def test_a_wrong_code_gets_a_clear_message(client, gunung_bahagia, code, message):
    resident, _ = _resident(gunung_bahagia)
    client.force_login(resident)
    response = client.post(reverse("accounts:invitation_redeem"), {"code": code}, follow=True)
    assert message in response.content.decode()
    resident.refresh_from_db()
    assert not resident.is_residence_verified


def test_a_code_of_another_kelurahan_says_which(gunung_bahagia, batu_ampar, lpm):
    code = services.invitation_codes_create(kelurahan=gunung_bahagia, count=1, actor=lpm)[0]
    resident, _ = _resident(batu_ampar)
    with pytest.raises(services.ResidenceError, match="Gunung Bahagia.*Batu Ampar"):
        services.invitation_redeem(user=resident, code=code)
    assert not ResidenceInvitation.objects.get().used_at


def test_an_officer_prints_codes_only_for_their_kelurahan(client, lpm, batu_ampar):
    client.force_login(lpm)
    response = client.post(reverse("accounts:invitations"), {"kelurahan": batu_ampar.pk, "count": 3})
    assert response.status_code == 200  # the form again: Batu Ampar is not among the choices
    assert not CODE.findall(response.content.decode())
    assert not ResidenceInvitation.objects.exists()


def test_each_printed_slip_names_the_sites_address_where_the_code_goes(client, lpm, gunung_bahagia, settings):
    """A slip is handed out on paper: without the address a resident cannot find where to type the code."""
    settings.SITE_URL = "http://127.0.0.1:8010"
    client.force_login(lpm)
    response = client.post(reverse("accounts:invitations"), {"kelurahan": gunung_bahagia.pk, "count": 3})
    page = response.content.decode()
    slips = re.findall(r'<div class="slip">.*?</div>\s*</div>', page, re.S)
    assert len(slips) == 3
    assert all("http://127.0.0.1:8010/akun/profil/" in slip for slip in slips)


# --- what it is for --------------------------------------------------------------------------

def test_a_verified_resident_may_vote_where_the_round_requires_it(client, gunung_bahagia, lpm):
    from voting.services import voter_eligibility

    round_ = make_round(ballot_type=BallotType.APPROVAL, slug="ap-verified", requires_verified_residence=True)
    area = round_.test_areas["kel"]
    resident, _ = _resident(gunung_bahagia)
    ok, reason = voter_eligibility(user=resident, area=area)
    assert not ok and "kode undangan dari RT di halaman Profil" in reason
    client.force_login(resident)
    page = client.get(reverse("voting:ballot", args=[round_.slug, area.pk]))
    assert page.status_code == 403 and reverse("accounts:profile") in page.content.decode()
    services.invitation_redeem(user=resident, code=services.invitation_codes_create(
        kelurahan=gunung_bahagia, count=1, actor=lpm)[0])
    resident.refresh_from_db()
    assert voter_eligibility(user=resident, area=area) == (True, "")
    assert client.get(reverse("voting:ballot", args=[round_.slug, area.pk])).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_codes_entered_at_the_same_moment_verify_once():
    """One code typed by two residents at once, and one resident double-tapping with two codes."""
    from tests.proposals.test_concurrency import _at_once
    from wilayah.services import wilayah_ensure

    wilayah_ensure()  # a transactional test starts after others flushed the data migration's rows
    kelurahan = Kelurahan.objects.get(code=GUNUNG_BAHAGIA)
    lpm = UserFactory(role=Role.MODERATOR)
    lpm.moderated_kelurahan.add(kelurahan)
    shared, own_a, own_b = services.invitation_codes_create(kelurahan=kelurahan, count=3, actor=lpm)
    first, _ = _resident(kelurahan)
    second, _ = _resident(kelurahan)
    outcomes = _at_once(lambda: services.invitation_redeem(user=first, code=shared),
                        lambda: services.invitation_redeem(user=second, code=shared))
    assert sorted(type(o).__name__ for o in outcomes) == ["ResidenceError", "User"]
    assert ResidenceInvitation.objects.filter(used_at__isnull=False).count() == 1

    third, _ = _resident(kelurahan)
    outcomes = _at_once(lambda: services.invitation_redeem(user=third, code=own_a),
                        lambda: services.invitation_redeem(user=third, code=own_b))
    assert all(type(o).__name__ == "User" for o in outcomes), outcomes  # both taps say "verified"
    assert ResidenceInvitation.objects.filter(used_by=third).count() == 1  # one code spent, one left


def test_codes_cannot_be_guessed_by_trying(client, gunung_bahagia, lpm):
    resident, _ = _resident(gunung_bahagia)
    good = services.invitation_codes_create(kelurahan=gunung_bahagia, count=1, actor=lpm)[0]
    for n in range(services.INVITATION_TRIES_PER_DAY):
        with pytest.raises(services.ResidenceError, match="tidak dikenal"):
            services.invitation_redeem(user=resident, code=f"ZZZZ-ZZ{'23456789'[n % 8]}{'ABCDEFGH'[n % 8]}")
    with pytest.raises(services.ResidenceError, match="Terlalu banyak kode yang salah"):
        services.invitation_redeem(user=resident, code=good)  # even the right one, until tomorrow
    refused = AuditEntry.objects.filter(action="residence.code_refused", actor=resident)
    assert refused.count() == services.INVITATION_TRIES_PER_DAY
    assert all(entry.detail == {} for entry in refused)  # the log never holds a code
    refused.update(created_at=refused.first().created_at - dt.timedelta(days=1, minutes=1))
    assert services.invitation_redeem(user=resident, code=good).is_residence_verified
