"""Wrong passwords lock an (account, client address) pair for a while, on the site's form and in
the admin (django-axes). A stranger cannot lock a resident out: their failures count against
their own address only. Mobile numbers are easy to guess; passwords must not be."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from django.utils import timezone

from accounts.models import Role

pytestmark = pytest.mark.django_db(transaction=False)
LIMIT = settings.AXES_FAILURE_LIMIT
LOCKED = "Terlalu banyak kata sandi yang salah untuk akun ini dari alamat Anda. Coba lagi 30 menit lagi"
WRONG = "Email/nomor HP atau kata sandi salah."
STRANGER, OWNER, PROXY = "203.0.113.7", "198.51.100.20", "10.0.0.2"


def sign_in(client, username, password, **meta):
    return client.post("/akun/masuk/", {"username": username, "password": password}, **meta)


def test_after_five_wrong_passwords_even_the_right_one_waits_half_an_hour(client, user_factory):
    user_factory(email=None, email_verified_at=None, phone="+6281350501234")
    for attempt in range(1, LIMIT):
        response = sign_in(client, "0813 5050 1234", f"tebakan-{attempt}")
        assert response.status_code == 200 and WRONG in response.content.decode()
    last = sign_in(client, "0813 5050 1234", f"tebakan-{LIMIT}")
    assert last.status_code == 429 and LOCKED in last.content.decode()
    right = sign_in(client, "0813-5050-1234", "rahasia-123")
    assert right.status_code == 429 and LOCKED in right.content.decode()
    assert "Lupa kata sandi?" in right.content.decode()
    assert "_auth_user_id" not in client.session

    # Thirty minutes after the last try the right password works again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=31))
    assert sign_in(client, "0813 5050 1234", "rahasia-123").status_code == 302


def test_every_spelling_of_a_number_counts_together(client, user_factory):
    user_factory(email=None, email_verified_at=None, phone="+6281350501234")
    spellings = ["0813 5050 1234", "+6281350501234", "6281350501234", "0813-5050-1234", "+62 813 5050 1234"]
    for spelling in spellings[:LIMIT]:
        sign_in(client, spelling, "salah")
    assert sign_in(client, "081350501234", "rahasia-123").status_code == 429


def test_email_in_any_case_counts_together(client, user_factory):
    user_factory(email="budi@example.test")
    for n in range(LIMIT):
        sign_in(client, "Budi@Example.TEST " if n % 2 else "budi@example.test", f"salah-{n}")
    assert sign_in(client, "BUDI@example.test", "rahasia-123").status_code == 429


def test_a_hundred_wrong_passwords_from_a_stranger_do_not_lock_the_owner_out(user_factory):
    user_factory(email="siti@example.test", phone="+6281211112222")
    stranger = Client(REMOTE_ADDR=STRANGER)
    for n in range(100):
        sign_in(stranger, "0812 1111 2222" if n % 2 else "siti@example.test", f"tebakan-{n}")
    # The stranger's address is stopped, even with the right password...
    assert sign_in(stranger, "siti@example.test", "rahasia-123").status_code == 429
    assert "_auth_user_id" not in stranger.session
    # ... the owner at home signs in at once.
    owner = Client(REMOTE_ADDR=OWNER)
    assert sign_in(owner, "0812-1111-2222", "rahasia-123").status_code == 302


def test_behind_the_proxy_the_client_is_the_address_the_proxy_saw(user_factory, settings):
    """Production: one reverse proxy appends the client's address to X-Forwarded-For. A stranger who
    writes their own X-Forwarded-For entries is still one client, and cannot pose as the owner."""
    settings.TRUSTED_PROXY_COUNT = 1
    user_factory(email="siti@example.test")
    stranger = Client(REMOTE_ADDR=PROXY)
    for n in range(100):
        sign_in(stranger, "siti@example.test", f"tebakan-{n}", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {STRANGER}")
    assert sign_in(stranger, "siti@example.test", "rahasia-123",
                   HTTP_X_FORWARDED_FOR=f"{OWNER}, {STRANGER}").status_code == 429
    owner = Client(REMOTE_ADDR=PROXY)
    assert sign_in(owner, "siti@example.test", "rahasia-123", HTTP_X_FORWARDED_FOR=OWNER).status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER}


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting how many passwords it is asked to check."""

    verified = 0

    def verify(self, password, encoded):
        CountingHasher.verified += 1
        return super().verify(password, encoded)


def test_a_locked_pair_costs_no_password_hash(client, user_factory, settings):
    settings.PASSWORD_HASHERS = ["tests.accounts.test_login_lock.CountingHasher"]
    user_factory(email="budi@example.test")
    for n in range(LIMIT):
        sign_in(client, "budi@example.test", f"salah-{n}")
    CountingHasher.verified = 0
    for n in range(20):
        assert sign_in(client, "budi@example.test", f"lagi-{n}").status_code == 429
    assert CountingHasher.verified == 0


def test_the_admin_login_is_locked_too(user_factory):
    user_factory(email="admin.kota@example.test", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client = Client()
    for n in range(LIMIT):
        client.post("/admin/login/", {"username": "admin.kota@example.test", "password": f"salah-{n}"})
    response = client.post("/admin/login/", {"username": "admin.kota@example.test", "password": "rahasia-123"})
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_attempt_table_holds_no_address_nor_password(client, user_factory):
    user_factory(email="siti@example.test", phone="+6281211112222")
    sign_in(client, "0812 1111 2222", "rahasia-yang-salah")
    sign_in(client, "siti@example.test", "rahasia-yang-salah")
    stored = " ".join(f"{a.username} {a.post_data} {a.get_data}" for a in AccessAttempt.objects.all())
    for secret in ["siti", "1111", "rahasia-yang-salah"]:
        assert secret not in stored


def test_a_successful_sign_in_starts_the_count_again(user_factory):
    user_factory(email="budi@example.test")
    client = Client()
    for n in range(LIMIT - 1):
        sign_in(client, "budi@example.test", f"salah-{n}")
    assert sign_in(client, "budi@example.test", "rahasia-123").status_code == 302
    client = Client()
    for n in range(LIMIT - 1):
        sign_in(client, "budi@example.test", f"salah-lagi-{n}")
    assert sign_in(client, "budi@example.test", "rahasia-123").status_code == 302


def test_unknown_numbers_do_not_lock_other_accounts(client, user_factory):
    user_factory(email="siti@example.test")
    for n in range(LIMIT + 2):
        response = sign_in(client, f"0812 0000 00{n:02d}", "apa-saja")
        assert WRONG in response.content.decode()
    assert sign_in(client, "siti@example.test", "rahasia-123").status_code == 302


@pytest.mark.celery
def test_choosing_a_new_password_lifts_the_lock_and_signs_in(client, user_factory, settings, celery_live_worker):
    import re

    from django.core import mail

    from tests.accounts.test_email_verification import wait_for

    user_factory(email="budi@example.test")
    for n in range(LIMIT):
        sign_in(client, "budi@example.test", f"salah-{n}")
    assert LOCKED in sign_in(client, "budi@example.test", "rahasia-123").content.decode()
    client.post("/akun/lupa-sandi/", {"email": "budi@example.test"})
    assert wait_for(lambda: len(mail.outbox) == 1), "the worker did not send the reset mail"
    path = re.search(r"https?://[^/\s]+(/akun/atur-sandi/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(path, follow=True)
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "Gunung-Pasir-2027", "new_password2": "Gunung-Pasir-2027"},
                       follow=True)
    assert "Anda sudah masuk dengan kata sandi baru." in done.content.decode()
    client.post("/akun/keluar/")
    assert sign_in(client, "budi@example.test", "Gunung-Pasir-2027").status_code == 302
