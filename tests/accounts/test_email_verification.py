"""Email verification through a real Celery worker and real Redis."""

import datetime as dt
import re
import time

import pytest
from django.core import mail

from accounts.models import User
from tests.factories import make_nik


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.celery
def test_registration_email_arrives_through_the_worker_and_its_link_verifies(client, celery_live_worker, settings):
    settings.SITE_URL = "http://testserver"
    response = client.post("/akun/daftar/", {
        "full_name": "Rina Marlina", "email": "rina@example.test", "phone": "", "kelurahan": "64.71.03.1001",
        "nik": make_nik(birth=dt.date(1995, 7, 17), female=True),
        "password1": "Gunung-Samarinda-9", "password2": "Gunung-Samarinda-9", "consent": "on",
    })
    assert response.status_code == 302
    assert wait_for(lambda: len(mail.outbox) == 1), "the worker did not send the verification email"
    message = mail.outbox[0]
    assert message.to == ["rina@example.test"]
    assert "Verifikasi email" in message.subject
    link = re.search(r"http://testserver(/akun/verifikasi/\S+/)", message.body).group(1)
    assert not User.objects.get(email="rina@example.test").is_email_verified

    response = client.get(link)
    assert response.status_code == 302
    assert User.objects.get(email="rina@example.test").is_email_verified


@pytest.mark.django_db
def test_a_tampered_link_is_refused_with_a_clear_page(client):
    response = client.get("/akun/verifikasi/bukan-token-asli/")
    assert response.status_code == 400
    assert "Tautan verifikasi tidak berlaku" in response.content.decode()
