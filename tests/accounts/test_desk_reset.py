"""Desk recovery an officer cannot abuse (issue 12). The attack as reported: an LPM officer POSTs
the desk reset for a resident, opens the QR link themselves, chooses a password, and reads (and
changes) the resident's ballot. Each step that made it work is tested here as the attacker."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.identity import nik_hash
from accounts.models import AuditEntry, DeskPasswordReset, Role
from notifications.messages import render_message
from notifications.models import Notification
from tests.factories import UserFactory, make_nik
from tests.voting.conftest import BATU_AMPAR, GUNUNG_BAHAGIA, make_round, project_ids, stored_ballots
from voting import services as voting
from wilayah.models import Kelurahan

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https?://[^/\s<\"]+(/akun/[^\s<\"]+/)")
NEW_PASSWORD = {"new_password1": "Teluk-Balikpapan-77", "new_password2": "Teluk-Balikpapan-77"}


@pytest.fixture
def gunung_bahagia():
    make_round(slug="ap-desk")  # wilayah and a round in voting, with projects
    return Kelurahan.objects.get(code=GUNUNG_BAHAGIA)


@pytest.fixture
def lpm(gunung_bahagia):
    officer = UserFactory(role=Role.MODERATOR, email="lpm@example.test")
    officer.moderated_kelurahan.add(gunung_bahagia)
    return officer


@pytest.fixture
def warga(gunung_bahagia):
    return UserFactory(email=None, email_verified_at=None, phone="+6281350501234", kelurahan=gunung_bahagia,
                       nik_hash=nik_hash(make_nik(birth=dt.date(1975, 8, 17))), birth_date=dt.date(1975, 8, 17),
                       residence_verified_at=timezone.now())


@pytest.fixture
def kel_area(gunung_bahagia):
    from rounds.models import Area

    return Area.objects.get(round__slug="ap-desk", kelurahan=gunung_bahagia)


def ballot_url(area):
    return reverse("voting:ballot", args=[area.round.slug, area.pk])


def desk_link(client, resident) -> str:
    response = client.post(reverse("accounts:desk_password_reset", args=[resident.pk]))
    assert response.status_code == 200
    return LINK.search(response.content.decode()).group(1)


def open_and_set(client, path):
    """Opens the link as a browser would (following any redirect) and sets the new password."""
    page = client.get(path, follow=True)
    target = page.redirect_chain[-1][0] if page.redirect_chain else path
    return client.post(target, NEW_PASSWORD, follow=True)


def test_the_officer_takeover_from_the_issue_does_not_reveal_nor_change_the_ballot(lpm, warga, kel_area):
    ids = project_ids(kel_area)
    cast = voting.ballot_cast(voter=warga, area=kel_area, choices=[ids[0], ids[1]])
    officer = Client()
    officer.force_login(lpm)
    path = desk_link(officer, warga)
    open_and_set(officer, path)  # the officer opens the QR link on their own phone
    assert int(officer.session["_auth_user_id"]) == warga.pk  # the password was set: the desk cannot know who holds the phone

    page = officer.get(ballot_url(kel_area))
    text = page.content.decode()
    assert page.status_code == 200 and "Anda sudah memilih di wilayah ini" in text
    assert "checked" not in text and cast.receipt_code not in text
    for pid in ids:
        assert f'value="{pid}"' not in text
    done = officer.get(reverse("voting:done", args=[kel_area.round.slug, kel_area.pk])).content.decode()
    assert cast.receipt_code not in done and "kode tanda terima ditampilkan lagi mulai" in done
    # ... nor overwritten: the change is refused and the resident's ballot stays as it was.
    refused = officer.post(ballot_url(kel_area), {"project": [ids[2]], "confirm": "1"})
    assert refused.status_code == 403
    assert [sorted(b.choices) for b in stored_ballots(kel_area)] == [sorted([ids[0], ids[1]])]

    # The resident is told, in their inbox, by which kelurahan's desk and when (WITA).
    [note] = Notification.objects.filter(recipient=warga, kind="account_security")
    assert note.in_inbox
    body = " ".join(render_message(kind=note.kind, context=note.context, language="id").lines)
    assert "Kelurahan Gunung Bahagia" in body and "WITA" in body


def test_twenty_four_hours_later_the_resident_sees_and_changes_their_ballot_again(lpm, warga, kel_area):
    ids = project_ids(kel_area)
    cast = voting.ballot_cast(voter=warga, area=kel_area, choices=[ids[0]])
    officer = Client()
    officer.force_login(lpm)
    phone = Client()
    open_and_set(phone, desk_link(officer, warga))
    assert "checked" not in phone.get(ballot_url(kel_area)).content.decode()
    DeskPasswordReset.objects.update(used_at=timezone.now() - dt.timedelta(hours=24, minutes=1))
    text = phone.get(ballot_url(kel_area)).content.decode()
    assert f'value="{ids[0]}" id="p-{ids[0]}" checked' in text and cast.receipt_code in text


def test_within_the_24_hours_a_resident_who_has_not_voted_may_vote(lpm, warga, kel_area):
    officer = Client()
    officer.force_login(lpm)
    phone = Client()
    open_and_set(phone, desk_link(officer, warga))
    ids = project_ids(kel_area)
    assert phone.get(ballot_url(kel_area)).status_code == 200
    phone.post(ballot_url(kel_area), {"project": [ids[0]], "confirm": "1"})
    assert [b.choices for b in stored_ballots(kel_area)] == [[ids[0]]]


def test_refused_with_a_clear_message_for_an_account_with_email(client, lpm, gunung_bahagia):
    resident = UserFactory(email="siti@example.test", kelurahan=gunung_bahagia)
    client.force_login(lpm)
    response = client.post(reverse("accounts:desk_password_reset", args=[resident.pk]), follow=True)
    text = response.content.decode()
    assert "Akun ini memiliki email" in text and "Lupa kata sandi" in text
    assert "<svg" not in text and not LINK.search(text.replace(reverse("accounts:residence_desk"), ""))
    assert not DeskPasswordReset.objects.exists()


def test_the_link_expires_after_15_minutes(client, lpm, warga):
    client.force_login(lpm)
    path = desk_link(client, warga)
    DeskPasswordReset.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    phone = Client()
    page = phone.get(path, follow=True)
    assert page.status_code == 410 and 'name="new_password1"' not in page.content.decode()
    assert phone.post(path, NEW_PASSWORD).status_code == 410
    warga.refresh_from_db()
    assert warga.check_password("rahasia-123")
    ticket = DeskPasswordReset.objects.get()
    assert ticket.expires_at - ticket.created_at <= dt.timedelta(minutes=15)


def test_the_link_works_once_and_a_new_one_voids_the_old(client, lpm, warga):
    client.force_login(lpm)
    first = desk_link(client, warga)
    second = desk_link(client, warga)
    assert Client().get(first, follow=True).status_code == 410  # a new link voids the older one
    phone = Client()
    assert open_and_set(phone, second).status_code == 200
    again = Client()
    assert again.get(second, follow=True).status_code == 410
    assert again.post(second, {"new_password1": "Lain-Sekali-2028", "new_password2": "Lain-Sekali-2028"}).status_code == 410
    assert Client().post("/akun/masuk/", {"username": "0813 5050 1234", "password": "Teluk-Balikpapan-77"}).status_code == 302
    # Only a hash of the token is stored, and the audit log names the officer, never the link.
    token = second.rstrip("/").rsplit("/", 1)[1]
    assert not DeskPasswordReset.objects.filter(token_hash=token).exists()
    assert token not in str(list(AuditEntry.objects.values_list("detail", flat=True)))
    assert AuditEntry.objects.filter(action="account.password_reset_at_desk", actor=lpm).count() == 2


@pytest.mark.parametrize("who", ["anonymous", "resident", "superuser", "city_admin", "officer_of_another_kelurahan"])
def test_nobody_but_the_residents_own_lpm_makes_a_link(client, warga, lpm, who):
    if who != "anonymous":
        user = {
            "resident": lambda: UserFactory(kelurahan=warga.kelurahan),
            "superuser": lambda: UserFactory(is_superuser=True, is_staff=True),
            "city_admin": lambda: UserFactory(role=Role.ADMIN, is_staff=True),
            "officer_of_another_kelurahan": lambda: UserFactory(role=Role.MODERATOR),
        }[who]()
        if who == "officer_of_another_kelurahan":
            user.moderated_kelurahan.add(Kelurahan.objects.get(code=BATU_AMPAR))
        client.force_login(user)
    response = client.post(reverse("accounts:desk_password_reset", args=[warga.pk]))
    assert response.status_code in (302, 403)
    assert "<svg" not in response.content.decode() and not DeskPasswordReset.objects.exists()


@pytest.mark.parametrize("who", ["officer_of_another_kelurahan", "city_admin"])
def test_the_desk_lookup_shows_a_resident_only_to_their_own_kelurahan(client, warga, who):
    """The desk's name-and-kelurahan answer is for the officer serving that kelurahan (and a city
    admin); another kelurahan's officer learns only that the NIK is registered elsewhere."""
    from accounts.identity import nik_hash as hash_of

    nik = make_nik(birth=dt.date(1980, 2, 2))
    type(warga).objects.filter(pk=warga.pk).update(nik_hash=hash_of(nik), full_name="Warga Gunung Bahagia")
    if who == "city_admin":
        user = UserFactory(role=Role.ADMIN)
    else:
        user = UserFactory(role=Role.MODERATOR)
        user.moderated_kelurahan.add(Kelurahan.objects.get(code=BATU_AMPAR))
    client.force_login(user)
    page = client.post(reverse("accounts:residence_desk"), {"nik": nik}).content.decode()
    shown = "Warga Gunung Bahagia" in page
    assert shown == (who == "city_admin")
    if not shown:
        assert "terdaftar pada akun di kelurahan lain" in page and "Gunung Bahagia" not in page


def test_the_personal_data_export_holds_no_desk_token(client, lpm, warga):
    from accounts.services import user_data_export

    client.force_login(lpm)
    desk_link(client, warga)
    records = user_data_export(user=warga)["records"]["accounts.deskpasswordreset"]
    assert records and all("token_hash" not in row for row in records)
