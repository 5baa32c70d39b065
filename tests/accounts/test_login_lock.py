"""Too many wrong passwords lock an account for a while, on the site's form and in the admin.
Mobile numbers are easy to guess; passwords must not be."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEntry, Role
from accounts.services import LOGIN_FAILURES_ALLOWED

pytestmark = pytest.mark.django_db
LOCKED = "Terlalu banyak kata sandi yang salah untuk akun ini. Coba lagi 15 menit lagi"


def sign_in(client, username, password):
    return client.post("/akun/masuk/", {"username": username, "password": password})


def test_after_ten_wrong_passwords_even_the_right_one_waits(client, user_factory):
    user_factory(email=None, email_verified_at=None, phone="+6281350501234")
    for attempt in range(1, LOGIN_FAILURES_ALLOWED):
        response = sign_in(client, "0813 5050 1234", f"tebakan-{attempt}")
        assert "Email/nomor HP atau kata sandi salah." in response.content.decode()
    tenth = sign_in(client, "0813 5050 1234", "tebakan-10")
    assert LOCKED in tenth.content.decode()
    right = sign_in(client, "0813-5050-1234", "rahasia-123")
    assert right.status_code == 200 and LOCKED in right.content.decode()
    assert "_auth_user_id" not in client.session
    # Nothing typed is kept: neither the number nor a password.
    for entry in AuditEntry.objects.filter(action="login.failed"):
        assert entry.detail == {} and entry.actor is None

    # Fifteen minutes later the right password works again.
    AuditEntry.objects.filter(action="login.failed").update(created_at=timezone.now() - dt.timedelta(minutes=16))
    assert sign_in(client, "0813 5050 1234", "rahasia-123").status_code == 302


def test_a_successful_sign_in_starts_the_count_again(user_factory):
    user = user_factory(email="budi@example.test")
    client = Client()
    for n in range(LOGIN_FAILURES_ALLOWED - 1):
        sign_in(client, "budi@example.test", f"salah-{n}")
    assert sign_in(client, "budi@example.test", "rahasia-123").status_code == 302
    client = Client()
    for n in range(LOGIN_FAILURES_ALLOWED - 1):
        sign_in(client, "budi@example.test", f"salah-lagi-{n}")
    assert sign_in(client, "budi@example.test", "rahasia-123").status_code == 302
    assert AuditEntry.objects.filter(action="login.failed", target_id=str(user.pk)).count() == 2 * (LOGIN_FAILURES_ALLOWED - 1)


def test_the_admin_login_is_locked_too(user_factory):
    user_factory(email="admin.kota@example.test", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client = Client()
    for n in range(LOGIN_FAILURES_ALLOWED):
        client.post("/admin/login/", {"username": "admin.kota@example.test", "password": f"salah-{n}"})
    client.post("/admin/login/", {"username": "admin.kota@example.test", "password": "rahasia-123"})
    assert "_auth_user_id" not in client.session


def test_unknown_numbers_leave_no_trace_and_other_accounts_are_not_locked(client, user_factory):
    user_factory(email="siti@example.test")
    for n in range(LOGIN_FAILURES_ALLOWED + 2):
        response = sign_in(client, f"0812 0000 00{n:02d}", "apa-saja")
        assert "Email/nomor HP atau kata sandi salah." in response.content.decode()
    assert not AuditEntry.objects.filter(action="login.failed").exists()
    assert sign_in(client, "siti@example.test", "rahasia-123").status_code == 302


def test_choosing_a_new_password_lifts_the_lock_and_signs_in(client, user_factory):
    import re

    from django.core import mail

    user_factory(email="budi@example.test")
    for n in range(LOGIN_FAILURES_ALLOWED):
        sign_in(client, "budi@example.test", f"salah-{n}")
    assert LOCKED in sign_in(client, "budi@example.test", "rahasia-123").content.decode()
    client.post("/akun/lupa-sandi/", {"email": "budi@example.test"})
    path = re.search(r"https?://[^/\s]+(/akun/atur-sandi/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(path, follow=True)
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "Gunung-Pasir-2027", "new_password2": "Gunung-Pasir-2027"},
                       follow=True)
    assert "Anda sudah masuk dengan kata sandi baru." in done.content.decode()
    client.post("/akun/keluar/")
    assert sign_in(client, "budi@example.test", "Gunung-Pasir-2027").status_code == 302


def test_failed_sign_ins_are_deleted_after_a_day_by_the_beat_task(user_factory):
    from django.conf import settings

    from accounts.tasks import purge_login_failures

    user = user_factory(email="budi@example.test")
    client = Client()
    for n in range(3):
        sign_in(client, "budi@example.test", f"salah-{n}")
    old = AuditEntry.objects.filter(action="login.failed").order_by("pk")[:2]
    AuditEntry.objects.filter(pk__in=[e.pk for e in old]).update(created_at=timezone.now() - dt.timedelta(days=2))
    other = AuditEntry.objects.create(action="residence.verify", target_type="accounts.user", target_id=str(user.pk))
    AuditEntry.objects.filter(pk=other.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    assert purge_login_failures() == 2
    assert AuditEntry.objects.filter(action="login.failed").count() == 1
    assert AuditEntry.objects.filter(pk=other.pk).exists()  # the rest of the audit log stays
    assert settings.CELERY_BEAT_SCHEDULE["accounts-purge-login-failures"]["task"] == "accounts.tasks.purge_login_failures"
