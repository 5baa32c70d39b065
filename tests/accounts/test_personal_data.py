"""UU PDP: a citizen downloads their data and deletes their account."""

import json

import pytest

from accounts.models import AuditEntry, User

pytestmark = pytest.mark.django_db


def test_data_download_holds_the_profile_but_never_the_nik_hash_or_password(client, user_factory):
    user = user_factory(email="ani@example.test", full_name="Ani Lestari")
    client.force_login(user)
    response = client.get("/akun/profil/data-saya/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["profile"]["full_name"] == "Ani Lestari"
    assert data["profile"]["birth_year"] == user.birth_year and data["profile"]["gender"] == user.gender
    text = response.content.decode()
    assert user.nik_hash not in text
    assert user.password not in text
    assert AuditEntry.objects.filter(action="personal_data.export", actor=user, target_id=str(user.pk)).count() == 1


def test_data_download_needs_a_login(client):
    assert client.get("/akun/profil/data-saya/").status_code == 302


def test_account_deletion_asks_for_the_password(client, user_factory):
    user = user_factory()
    client.force_login(user)
    response = client.post("/akun/profil/hapus-akun/", {"password": "salah"})
    assert response.status_code == 200
    assert "Kata sandi salah." in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()

    response = client.post("/akun/profil/hapus-akun/", {"password": "rahasia-123"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert AuditEntry.objects.filter(action="account_deleted", target_id=str(user.pk)).exists()
    assert client.get("/akun/profil/").status_code == 302
