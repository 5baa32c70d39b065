"""Settings for the page benchmarks: the test settings plus a trivial view to compare against."""

from balikpapan_pb.settings.test import *  # noqa: F401,F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["*"]
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"handlers": [], "level": "CRITICAL"}}
# As in production (settings/base.py with DATABASE_URL): persistent connections. The test
# settings open a new PostgreSQL connection for every request, which is not what gunicorn
# runs with.
DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
PAGE_CACHE_SECONDS = 30  # as in production (settings/base.py)
SHARED_PAGE_SECONDS = 300  # as in production (settings/base.py)
CACHE_CHANGE_GUARD_SECONDS = 5  # as in production
