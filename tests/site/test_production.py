"""Production settings: `check --deploy` is clean, secrets are required, demo data is refused."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SECRETS = {
    "SECRET_KEY": "k" * 30 + "production-only-secret-key-of-fifty-chars+",
    "NIK_HASH_KEY": "nik-key-kept-outside-the-database",
    "BALLOT_KEY": "ballot-key-kept-outside-the-database",
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
