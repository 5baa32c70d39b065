"""Tests: real PostgreSQL and real Redis, as in production."""

import os

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
# `make test` runs the suite in several pytest-xdist processes (gw0, gw1, ...). pytest-django gives
# each its own database (test_suarawarga_gw1); Redis databases are shared by name, so each gets its
# own too: a worker test purges and flushes its broker's queues, and the page and throttle caches
# are cleared, none of which may touch another process's. gw0 keeps the given database, gw1 takes
# two below it (15 -> 13; 14 is the benchmarks'). Child processes (Celery workers a test starts)
# inherit the adjusted REDIS_URL and the marker, so they do not move again.
TEST_WORKER = env("PYTEST_XDIST_WORKER", "")
if TEST_WORKER and env("TEST_REDIS_WORKER", "") != TEST_WORKER:
    _base, _db = REDIS_URL.rsplit("/", 1)
    REDIS_URL = f"{_base}/{int(_db) - 2 * int(TEST_WORKER.removeprefix('gw'))}"
    os.environ.update(REDIS_URL=REDIS_URL, TEST_REDIS_WORKER=TEST_WORKER)
# As in production: the shared cache in Redis, sessions and the signed-in person cached in it.
# The key prefix names the test database, so two checkouts on one Redis never read each other's
# users; tests/conftest.py empties this prefix after every test.
SHARED_CACHE = True
CACHES["default"] = {  # noqa: F405
    "BACKEND": "balikpapan_pb.cache.SharedRedisCache", "LOCATION": REDIS_URL,
    "KEY_PREFIX": f"sw-test-{DATABASES['default'].get('NAME')}",
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
USER_CACHE_SECONDS = 600
# A test runs in one transaction that never commits: no other request can read the old row
# before the change is visible, so a change simply deletes the cached copy (the production
# guard would make every query count depend on the seconds since the factory saved the user).
CACHE_CHANGE_GUARD_SECONDS = 0
CELERY_BROKER_URL = REDIS_URL
CACHES["throttle"]["LOCATION"] = REDIS_URL  # noqa: F405 (base.py read the environment's)
CELERY_TASK_ALWAYS_EAGER = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / "var" / "test-media" / (TEST_WORKER or "main")
SECRET_KEY = "test-secret-key"
NIK_HASH_KEY = "test-nik-key"
BALLOT_KEY = "test-ballot-key"
ALLOWED_HOSTS = ["*"]
# Most tests read a page, change something and read it again: the anonymous page cache is
# off here and switched on by the tests of the cache itself (tests/site/test_page_cache.py).
PAGE_CACHE_SECONDS = 0
# The same for the shared pages of signed-in people: on in tests/site/test_shared_pages.py.
SHARED_PAGE_SECONDS = 0
