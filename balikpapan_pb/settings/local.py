"""Development: `make run`. SQLite unless DATABASE_URL is set; e-mails printed to the console."""

from .base import *  # noqa: F401,F403
from .base import env, env_bool

DEBUG = env_bool("DEBUG", True)
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
# A developer (or a demo) that changes data sees it at once; PAGE_CACHE_SECONDS=30 tries the cache.
PAGE_CACHE_SECONDS = int(env("PAGE_CACHE_SECONDS", "0"))
# runserver is one process: its memory is a cache every request shares, Redis or not.
SHARED_CACHE = True
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
USER_CACHE_SECONDS = 600
