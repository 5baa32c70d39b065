"""Registration cannot be used to test NIKs, emails or numbers in bulk (issue 12): every answer that
could tell whether one is registered counts against the client's address; a NIK found taken counts
strictly; the owner of an email someone tried to register with is told how to sign in."""

import datetime as dt
import time

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client

from accounts.identity import nik_hash
from accounts.models import User
from tests.accounts.test_email_verification import wait_for
from tests.accounts.test_registration import form_data
from tests.factories import make_nik

pytestmark = pytest.mark.django_db
TOO_MANY = "Terlalu banyak percobaan pendaftaran dari alamat internet Anda"


_NIKS: dict[int, str] = {}


def nik_of(n: int) -> str:
    """The same NIK for the same n within a test run (make_nik draws a serial)."""
    return _NIKS.setdefault(n, make_nik(birth=dt.date(1960, 1, 1) + dt.timedelta(days=n)))


def test_testing_niks_in_bulk_stops_after_three_taken_answers(user_factory):
    for n in range(5):
        user_factory(nik_hash=nik_hash(nik_of(n)))
    prober = Client(REMOTE_ADDR="203.0.113.50")
    answers = [prober.post("/akun/daftar/", form_data(nik=nik_of(n), email=f"p{n}@example.test", phone=""))
               for n in range(5)]
    assert ["NIK ini sudah terdaftar" in a.content.decode() for a in answers] == [True, True, True, False, False]
    assert [a.status_code for a in answers[3:]] == [429, 429]
    assert TOO_MANY in answers[3].content.decode() and "NIK ini sudah terdaftar" not in answers[3].content.decode()
    # Not even a fresh NIK registers from that address today; another address registers at once.
    fresh = prober.post("/akun/daftar/", form_data(nik=nik_of(99), email="baru@example.test", phone=""))
    assert fresh.status_code == 429 and not User.objects.filter(email="baru@example.test").exists()
    assert Client(REMOTE_ADDR="198.51.100.3").post(
        "/akun/daftar/", form_data(nik=nik_of(99), email="baru@example.test", phone="")).status_code == 302


def test_registrations_per_client_address_are_limited(settings):
    limit = django_settings.THROTTLES["register_per_client"][0]
    office = Client(REMOTE_ADDR="203.0.113.60")
    for n in range(limit):
        response = office.post("/akun/daftar/", form_data(nik=nik_of(n), email=f"w{n}@example.test", phone=""))
        assert response.status_code == 302, n
        office.post("/akun/keluar/")
    refused = office.post("/akun/daftar/", form_data(nik=nik_of(500), email="lagi@example.test", phone=""))
    assert refused.status_code == 429 and TOO_MANY in refused.content.decode()


def test_a_taken_email_is_not_confirmed_on_the_page_and_counts_against_the_client(user_factory):
    existing = user_factory(email="lama@example.test", full_name="Pemilik Lama")
    prober = Client(REMOTE_ADDR="203.0.113.70")
    page = prober.post("/akun/daftar/", form_data(email="LAMA@example.test", phone="")).content.decode()
    assert "Email ini tidak dapat dipakai untuk akun baru" in page
    assert "sudah terdaftar" not in page and existing.full_name not in page


@pytest.mark.celery
def test_the_owner_of_the_email_is_told_once_a_day_how_to_sign_in(celery_live_worker, user_factory):
    user_factory(email="lama@example.test")
    for n in range(4):
        Client(REMOTE_ADDR=f"198.51.100.{n}").post("/akun/daftar/", form_data(email="lama@example.test", phone="",
                                                                               nik=nik_of(n)))
    assert wait_for(lambda: len(mail.outbox) == 1)
    time.sleep(1.0)
    [notice] = mail.outbox
    assert notice.to == ["lama@example.test"] and "/akun/masuk/" in notice.body and "/akun/lupa-sandi/" in notice.body
