"""Production settings: `check --deploy` is clean, secrets are required, demo data is refused."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password

REPO = Path(__file__).resolve().parents[2]
SECRETS = {  # each at least 32 characters, as production requires
    "SECRET_KEY": "k" * 30 + "production-only-secret-key-of-fifty-chars+",
    "NIK_HASH_KEY": "nik-key-kept-outside-the-database-" + "n" * 16,
    "BALLOT_KEY": "ballot-key-kept-outside-the-database-" + "b" * 16,
    "ALLOWED_HOSTS": "suarawarga.balikpapan.go.id",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Not the test process's own Django variables (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE).
    environment = {key: value for key, value in os.environ.items()
                   if key not in SECRETS and not key.startswith("DJANGO_")}
    environment.update(DJANGO_SETTINGS_MODULE="balikpapan_pb.settings.production", **env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_the_production_variables():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **SECRETS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "NIK_HASH_KEY", "BALLOT_KEY"])
def test_production_refuses_to_start_without_a_secret(missing):
    env = {key: value for key, value in SECRETS.items() if key != missing}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr


def test_seed_demo_is_refused_under_production_settings():
    # A database that does not exist: were the refusal gone, nothing real would be seeded.
    result = _manage("seed_demo", "--size", "small", **SECRETS,
                     DATABASE_URL="postgres://postgres@127.0.0.1:5432/suarawarga_absent")
    assert result.returncode != 0
    assert "refused under production settings" in result.stderr


@pytest.mark.parametrize("short", ["SECRET_KEY", "NIK_HASH_KEY", "BALLOT_KEY"])
def test_production_refuses_a_key_shorter_than_32_characters(short):
    result = _manage("check", **{**SECRETS, short: "x" * 31})
    assert result.returncode != 0
    assert f"{short} must be at least 32 characters in production" in result.stderr
    assert _manage("check", **{**SECRETS, short: "x" * 32}).returncode == 0


SIGN_IN = """
from django.contrib.auth import authenticate
from django.test import Client
for email, password in [("warga@demo.local", "suarawarga-demo"), ("pejabat@kota.test", "suarawarga-demo"),
                        ("pejabat2@kota.test", "sandi-asli-yang-panjang-2026")]:
    print(email, password, "in" if authenticate(None, username=email, password=password) else "refused")
from django.test.utils import override_settings
client = Client(HTTP_HOST="suarawarga.balikpapan.go.id")
# No collectstatic here: the form's page is rendered with plain static URLs.
with override_settings(STORAGES={"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                                 "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}):
    response = client.post("/akun/masuk/", {"username": "warga@demo.local", "password": "suarawarga-demo"}, secure=True)
print("form", response.status_code, "in" if "_auth_user_id" in client.session else "refused")
"""


def test_the_demo_password_signs_nobody_in_under_production_settings(transactional_db, settings):
    from django.db import connection

    from accounts.models import User
    from tests.factories import UserFactory

    # Hashed as production hashes (the test settings use a fast hasher production cannot read).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    for email, password in [("warga@demo.local", "suarawarga-demo"), ("pejabat@kota.test", "suarawarga-demo"),
                            ("pejabat2@kota.test", "sandi-asli-yang-panjang-2026")]:
        user = UserFactory(email=email)
        User.objects.filter(pk=user.pk).update(password=make_password(password))
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    result = _manage("shell", "-c", SIGN_IN, **SECRETS, DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "warga@demo.local suarawarga-demo refused" in lines
    assert "pejabat@kota.test suarawarga-demo refused" in lines  # any account, not only the demo ones
    assert "pejabat2@kota.test sandi-asli-yang-panjang-2026 in" in lines  # a real password still works
    assert "form 200 refused" in lines  # the sign-in form answers with its error, nobody is signed in


def test_nobody_can_choose_the_demo_password(db):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="kata sandi demo"):
        validate_password("suarawarga-demo")
