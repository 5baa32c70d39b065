"""SPEC 4: registration with an email and/or a mobile number. Many residents have no email."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from accounts.models import User
from notifications.kinds import Kind
from notifications.models import EmailStatus, Notification
from notifications.services import notify
from tests.factories import make_nik

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "full_name": "Ahmad Rifai", "email": "", "phone": "0813 5050 1234",
        "nik": make_nik(birth=dt.date(1975, 8, 17)), "kelurahan": "64.71.05.1006",
        "password1": "Manggar-Sari-1975", "password2": "Manggar-Sari-1975", "consent": "on",
    }
    data.update(overrides)
    return data


def errors_of(response, field):
    return [str(e) for e in response.context["form"].errors.get(field, [])]


def test_a_resident_without_email_registers_with_a_phone_and_signs_in_with_it(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/akun/daftar/", form_data())
    assert response.status_code == 302
    user = User.objects.get(phone="+6281350501234")
    assert user.email is None and user.full_name == "Ahmad Rifai"
    assert callbacks == []  # no verification email to send anywhere
    done = client.get(response["Location"]).content.decode()
    assert "+6281350501234" in done and "“Kotak masuk” pada menu" in done
    assert "tidak ada: pemberitahuan hanya di kotak masuk" in client.get("/akun/profil/").content.decode()

    client.post("/akun/keluar/")
    for spelling in ("0813-5050-1234", "+62 813 5050 1234", "6281350501234"):
        response = client.post("/akun/masuk/", {"username": spelling, "password": "Manggar-Sari-1975"})
        assert response.status_code == 302, spelling
        assert client.get("/akun/profil/").status_code == 200
        client.post("/akun/keluar/")
    response = client.post("/akun/masuk/", {"username": "0813 5050 1234", "password": "salah-sandi"})
    assert response.status_code == 200
    assert "Email/nomor HP atau kata sandi salah." in response.content.decode()


def test_neither_email_nor_phone_is_refused_with_a_clear_message(client):
    response = client.post("/akun/daftar/", form_data(phone=""))
    assert response.status_code == 200
    assert errors_of(response, "email") == ["Isi email atau nomor HP (salah satu cukup) agar Anda dapat masuk."]
    assert User.objects.count() == 0
    # what was typed is still there
    assert 'value="Ahmad Rifai"' in response.content.decode()


def test_a_phone_already_registered_in_another_spelling_is_refused(client, user_factory):
    user_factory(phone="+6281350501234")
    response = client.post("/akun/daftar/", form_data(phone="0813-5050-1234"))
    assert errors_of(response, "phone") == ["Nomor HP ini sudah terdaftar. Silakan masuk dengan nomor ini."]
    assert User.objects.count() == 1


def test_many_residents_without_email_coexist_and_email_login_still_works(client, user_factory):
    for n, phone in enumerate(("0811 1111 1111", "0822 2222 2222")):
        assert client.post("/akun/daftar/", form_data(
            phone=phone, nik=make_nik(birth=dt.date(1980 + n, 1, 1)))).status_code == 302
        client.post("/akun/keluar/")
    assert User.objects.filter(email__isnull=True).count() == 2
    user_factory(email="budi@example.test")
    assert client.post("/akun/masuk/", {"username": "Budi@Example.test", "password": "rahasia-123"}).status_code == 302


def test_the_database_refuses_an_account_without_email_and_phone(user_factory):
    user = user_factory()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(email=None, phone="")
    other = user_factory(phone="+6281350501234")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(phone=other.phone)


def test_profile_adds_or_drops_an_email_but_keeps_a_way_to_sign_in(client, user_factory, django_capture_on_commit_callbacks):
    user = user_factory(email=None, phone="+6281350501234", email_verified_at=None)
    taken = user_factory(phone="+6282222222222")
    client.force_login(user)
    base = {"full_name": user.full_name, "language": "id"}

    response = client.post("/akun/profil/", {**base, "email": "", "phone": ""})
    assert errors_of(response, "email") == ["Isi email atau nomor HP (salah satu cukup) agar Anda dapat masuk."]
    response = client.post("/akun/profil/", {**base, "email": "", "phone": "0822-2222-2222"})
    assert errors_of(response, "phone") == ["Nomor HP ini sudah terdaftar. Silakan masuk dengan nomor ini."]
    user.refresh_from_db()
    assert user.phone == "+6281350501234" and taken.phone == "+6282222222222"

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert client.post("/akun/profil/", {**base, "email": "Ahmad@Example.test", "phone": "0813 5050 1234"}).status_code == 302
    user.refresh_from_db()
    assert user.email == "ahmad@example.test" and not user.is_email_verified
    assert len(callbacks) == 1  # the verification email for the new address

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert client.post("/akun/profil/", {**base, "email": "", "phone": "0813 5050 1234"}).status_code == 302
    user.refresh_from_db()
    assert user.email is None and callbacks == []


def test_a_resident_without_email_is_told_in_the_inbox_only(user_factory):
    user = user_factory(email=None, phone="+6281350501234", email_verified_at=None)
    with transaction.atomic():
        notify(recipient=user, kind=Kind.PROPOSAL_STATUS, context={"title": "Drainase", "status_label": "Disetujui"})
    notification = Notification.objects.get(recipient=user)
    assert notification.in_inbox and notification.email_status == EmailStatus.NONE


def test_notification_settings_say_that_news_without_email_arrives_in_the_inbox(client, user_factory):
    client.force_login(user_factory(email=None, phone="+6281350501234", email_verified_at=None))
    assert "Akun Anda tidak memiliki email" in client.get("/notifikasi/pengaturan-notifikasi/").content.decode()
    client.force_login(user_factory(email_verified_at=None))
    assert "Email Anda belum diverifikasi" in client.get("/notifikasi/pengaturan-notifikasi/").content.decode()


def test_a_verification_email_queued_before_the_address_was_removed_is_not_sent(user_factory, mailoutbox):
    from accounts.tasks import send_verification_email

    user = user_factory(email=None, phone="+6281350501234", email_verified_at=None)
    send_verification_email(user.pk)
    assert mailoutbox == []


def test_asking_for_a_verification_email_without_an_address_says_what_to_do(client, user_factory):
    client.force_login(user_factory(email=None, phone="+6281350501234", email_verified_at=None))
    response = client.post("/akun/verifikasi-ulang/", follow=True)
    assert "Akun Anda belum memiliki email" in response.content.decode()


# --- a forgotten password without email: a one-time QR code at the LPM desk ---------------------

def _desk_setup():
    from accounts.identity import nik_hash
    from accounts.models import Role
    from tests.factories import UserFactory
    from wilayah.models import Kelurahan

    kelurahan = Kelurahan.objects.get(code="64.71.05.1006")
    officer = UserFactory(role=Role.MODERATOR)
    officer.moderated_kelurahan.add(kelurahan)
    nik = make_nik(birth=dt.date(1975, 8, 17))
    resident = UserFactory(email=None, email_verified_at=None, phone="+6281350501234", kelurahan=kelurahan,
                           nik_hash=nik_hash(nik))
    return officer, resident, nik


def test_an_officer_gives_a_resident_without_email_a_qr_code_to_choose_a_new_password(client):
    import re

    from django.test import Client
    from django.urls import reverse

    from accounts.models import AuditEntry

    officer, resident, nik = _desk_setup()
    client.force_login(officer)
    desk = client.post(reverse("accounts:residence_desk"), {"nik": nik}).content.decode()
    url = reverse("accounts:desk_password_reset", args=[resident.pk])
    assert url in desk
    response = client.post(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    page = response.content.decode()
    assert "<svg" in page
    link = re.search(r"http://[^\s<]+/akun/sandi-meja/[^\s<]+/", page).group(0)
    assert AuditEntry.objects.filter(action="account.password_reset_at_desk", actor=officer,
                                     target_id=str(resident.pk)).count() == 1
    assert link not in str(list(AuditEntry.objects.values_list("detail", flat=True)))

    # The resident opens the link on their own phone and chooses a new password.
    phone = Client()
    path = link.split("://", 1)[1].split("/", 1)[1]
    form_page = phone.get("/" + path, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else "/" + path
    done = phone.post(set_url, {"new_password1": "Teluk-Balikpapan-77", "new_password2": "Teluk-Balikpapan-77"})
    assert done.status_code == 302
    assert Client().post("/akun/masuk/", {"username": "0813 5050 1234", "password": "Teluk-Balikpapan-77"}).status_code == 302
    # once used, the link is dead
    assert "Teluk" not in Client().get("/" + path, follow=True).content.decode()
    again = Client().get("/" + path, follow=True)
    assert 'name="new_password1"' not in again.content.decode()


@pytest.mark.parametrize(("who", "status"), [
    ("anonymous", 302), ("resident", 403), ("verifikator", 403), ("council", 403),
    ("officer_of_another_kelurahan", 403), ("officer", 200), ("admin", 403),
])
def test_only_the_residents_own_lpm_can_make_the_code(client, who, status):
    from django.urls import reverse

    from accounts.models import Role
    from tests.factories import UserFactory
    from wilayah.models import Kelurahan

    officer, resident, _nik = _desk_setup()
    roles = {"resident": Role.CITIZEN, "verifikator": Role.VERIFIKATOR, "council": Role.COUNCIL,
             "officer_of_another_kelurahan": Role.MODERATOR, "admin": Role.ADMIN}
    if who == "officer":
        client.force_login(officer)
    elif who != "anonymous":
        user = UserFactory(role=roles[who])
        if who == "officer_of_another_kelurahan":
            user.moderated_kelurahan.add(Kelurahan.objects.get(code="64.71.01.1001"))
        client.force_login(user)
    assert client.get(reverse("accounts:desk_password_reset", args=[resident.pk])).status_code in (302, 405)
    response = client.post(reverse("accounts:desk_password_reset", args=[resident.pk]))
    assert response.status_code == status
    shown = "/akun/sandi-meja/" in response.content.decode() and "<svg" in response.content.decode()
    assert shown == (status == 200)


def test_an_officer_can_never_take_over_an_officer_or_admin_account(client):
    from django.urls import reverse

    from accounts.models import Role

    officer, resident, _nik = _desk_setup()
    for role, staff in ((Role.ADMIN, False), (Role.MODERATOR, False), (Role.CITIZEN, True)):
        User.objects.filter(pk=resident.pk).update(role=role, is_staff=staff)
        client.force_login(officer)
        assert client.post(reverse("accounts:desk_password_reset", args=[resident.pk])).status_code == 403, role


def test_the_forgotten_password_page_tells_phone_only_residents_where_to_go(client):
    assert "Datanglah ke LPM kelurahan Anda dengan KTP" in client.get("/akun/lupa-sandi/").content.decode()


def test_the_city_admin_adds_and_edits_an_account_without_email(client):
    from accounts.models import Role
    from tests.factories import UserFactory

    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True))
    form = {"email": "", "phone": "", "full_name": "Warga Tanpa Kontak", "role": "citizen",
            "password1": "Klandasan-Ilir-2027", "password2": "Klandasan-Ilir-2027", "usable_password": "true"}
    refused = client.post("/admin/accounts/user/add/", form)
    assert refused.status_code == 200 and "Isi email atau nomor HP" in refused.content.decode()
    added = client.post("/admin/accounts/user/add/", {**form, "phone": "0813-5050-1234"})
    assert added.status_code == 302, added.content.decode()[:3000]
    user = User.objects.get(phone="+6281350501234")
    assert user.email is None
    assert client.get(f"/admin/accounts/user/{user.pk}/change/").status_code == 200
    assert "+6281350501234" in client.get("/admin/accounts/user/?q=6281350501234").content.decode()
