import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from accounts.identity import nik_hash
from accounts.models import User
from tests.factories import make_nik

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "full_name": "Siti Aminah",
        "email": "siti@example.test",
        "phone": "0812-3456-7890",
        "nik": make_nik(birth=dt.date(1992, 4, 5), female=True),
        "kelurahan": "64.71.05.1006",
        "password1": "Balikpapan-Bersih-2027",
        "password2": "Balikpapan-Bersih-2027",
        "consent": "on",
    }
    data.update(overrides)
    return data


def errors_of(response, field):
    return [str(e) for e in response.context["form"].errors.get(field, [])]


def test_registration_page_groups_kelurahan_by_kecamatan(client):
    html = client.get("/akun/daftar/").content.decode()
    assert '<optgroup label="Kec. Balikpapan Utara">' in html
    assert ">Gunung Bahagia</option>" in html


def test_a_resident_registers_and_only_the_nik_hash_is_stored(client, django_capture_on_commit_callbacks):
    data = form_data()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/akun/daftar/", data)
    assert response.status_code == 302
    assert response["Location"] == "/akun/daftar/selesai/"
    user = User.objects.get(email="siti@example.test")
    assert user.nik_hash == nik_hash(data["nik"])
    assert user.gender == "P"
    assert user.birth_year == 1992 and user.adult_on is None  # not the date, nor any digit of the serial
    assert user.phone == "+6281234567890"
    assert user.kelurahan_id == "64.71.05.1006"
    assert user.consent_version and user.consent_at
    assert user.is_of_voting_age()
    assert not user.is_email_verified
    # the NIK itself is in no column of the row
    row = User.objects.filter(pk=user.pk).values().get()
    assert data["nik"] not in {str(v) for v in row.values()}
    assert len(callbacks) == 1  # the verification e-mail is queued after commit


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("nik", "647105150190", "NIK harus tepat 16 digit; yang Anda masukkan 12 digit."),
        ("nik", "64710515019O0001", "NIK hanya boleh berisi angka 0-9."),
        ("nik", "6471053102900001", "bukan tanggal yang ada"),
        ("nik", "6471051513900001", "Bulan lahir pada NIK"),
        ("nik", "6471051501900000", "tidak boleh 0000"),
        ("nik", "9971051501900001", "bukan kode provinsi"),
        ("nik", "", "Bidang ini tidak boleh kosong."),
        ("email", "bukan-email", "Masukkan alamat email yang valid."),
        ("phone", "12345", "Nomor HP tidak valid"),
        ("kelurahan", "99.99.99.9999", "Masukkan pilihan yang valid."),
        ("full_name", "", "Bidang ini tidak boleh kosong."),
        ("consent", "", "Anda perlu menyetujui Kebijakan Privasi"),
        ("password2", "lain-sekali-123", "Kedua kata sandi tidak sama."),
        ("password1", "12345678", "Kata sandi ini terlalu umum."),
    ],
)
def test_each_invalid_field_gets_its_own_message(client, field, value, message):
    data = form_data(**{field: value})
    if field == "password1":
        data["password2"] = value
    response = client.post("/akun/daftar/", data)
    assert response.status_code == 200
    assert any(message in e for e in errors_of(response, field)), errors_of(response, field)
    assert message in response.content.decode()
    assert not User.objects.filter(email=data["email"]).exists()


def test_a_duplicate_nik_says_only_already_registered(client, user_factory):
    nik = make_nik(birth=dt.date(1980, 1, 1))
    existing = user_factory(nik_hash=nik_hash(nik), email="lama@example.test")
    response = client.post("/akun/daftar/", form_data(nik=nik))
    assert response.status_code == 200
    assert errors_of(response, "nik") == [
        "NIK ini sudah terdaftar pada akun lain. Jika Anda sudah punya akun, silakan masuk. Jika belum dan ini NIK "
        "Anda, centang kotak di bawah untuk mendaftar tanpa NIK, lalu datanglah ke LPM kelurahan Anda dengan KTP: "
        "petugas akan memindahkan NIK ke akun Anda."
    ]
    html = response.content.decode()
    assert existing.email not in html and existing.full_name not in html
    assert User.objects.count() == 1


def test_a_nik_typed_with_spaces_is_the_same_nik(client, user_factory):
    nik = make_nik(birth=dt.date(1980, 1, 1))
    user_factory(nik_hash=nik_hash(nik))
    spaced = f"{nik[:6]} {nik[6:12]} {nik[12:]}"
    response = client.post("/akun/daftar/", form_data(nik=spaced))
    assert "NIK ini sudah terdaftar" in " ".join(errors_of(response, "nik"))


def test_an_under_17_registrant_can_register_but_is_not_eligible_to_vote(client):
    today = timezone.localdate()
    birth = today.replace(year=today.year - 16)
    response = client.post("/akun/daftar/", form_data(nik=make_nik(birth=birth)))
    assert response.status_code == 302
    user = User.objects.get(email="siti@example.test")
    assert not user.is_of_voting_age()
    assert user.adult_on == birth.replace(year=birth.year + 17)  # kept only until it passes
    assert user.is_of_voting_age(user.adult_on) and not user.is_of_voting_age(user.adult_on - dt.timedelta(days=1))
    page = client.get(response["Location"]).content.decode()
    assert "belum dapat memberikan suara" in page
    profile = client.get("/akun/profil/").content.decode()
    assert "Belum dapat memilih" in profile


def test_registering_twice_with_the_same_data_keeps_one_account(client):
    data = form_data()
    first = client.post("/akun/daftar/", data)
    client.logout()
    second = client.post("/akun/daftar/", data)
    assert first.status_code == 302 and second.status_code == 200
    assert User.objects.count() == 1


def test_login_profile_and_logout(client, user_factory):
    user_factory(email="budi@example.test", full_name="Budi Santoso")
    response = client.post("/akun/masuk/", {"username": "budi@example.test", "password": "rahasia-123"})
    assert response.status_code == 302
    profile = client.get("/akun/profil/")
    assert "Budi Santoso" in profile.content.decode()
    response = client.post("/akun/profil/", {"full_name": "Budi S.", "email": "budi@example.test", "phone": "", "language": "en"})
    assert response.status_code == 302
    assert User.objects.get(email="budi@example.test").language == "en"
    client.post("/akun/keluar/")
    assert client.get("/akun/profil/").status_code == 302


def test_wrong_password_gets_a_clear_message(client, user_factory):
    user_factory(email="budi@example.test")
    response = client.post("/akun/masuk/", {"username": "budi@example.test", "password": "salah"})
    assert "Email/nomor HP atau kata sandi salah." in response.content.decode()


def test_profile_is_for_logged_in_people_only(client):
    response = client.get("/akun/profil/")
    assert response.status_code == 302
    assert response["Location"].startswith("/akun/masuk/")


@pytest.mark.celery
def test_password_reset_sends_a_link_through_the_worker(client, user_factory, celery_live_worker):
    from tests.accounts.test_email_verification import wait_for

    user_factory(email="budi@example.test")
    response = client.post("/akun/lupa-sandi/", {"email": "budi@example.test"})
    assert response.status_code == 302
    assert len(mail.outbox) == 0  # never inside the request
    assert wait_for(lambda: len(mail.outbox) == 1)
    assert "/akun/atur-sandi/" in mail.outbox[0].body
