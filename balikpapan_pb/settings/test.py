"""Tests: real PostgreSQL and real Redis, as in production."""

from .base import *  # noqa: F401,F403
from .base import BASE_DIR, env

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": env("TEST_DB_NAME", "suarawarga"),
        "USER": env("PGUSER", "postgres"),
        "HOST": env("PGHOST", "127.0.0.1"),
        "PORT": env("PGPORT", "5432"),
        "PASSWORD": env("PGPASSWORD", ""),
    }
}
if env("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL"))}

REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/15")
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
SECRET_KEY = "test-secret-key"
NIK_HASH_KEY = "test-nik-key"
BALLOT_KEY = "test-ballot-key"
ALLOWED_HOSTS = ["*"]
# Most tests read a page, change something and read it again: the anonymous page cache is
# off here and switched on by the tests of the cache itself (tests/site/test_page_cache.py).
PAGE_CACHE_SECONDS = 0
