"""Production: PostgreSQL, Redis, real e-mail. Every secret must come from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import env, env_bool, env_list

DEBUG = False


# Keys long enough not to be guessed: an HMAC key of a few characters lets a dump be reversed
# (every NIK re-hashed, every ballot re-linked) by trying them all.
MIN_KEY_LENGTH = 32


def required(name: str) -> str:
    value = env(name)
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production")
    if len(value) < MIN_KEY_LENGTH:
        raise ImproperlyConfigured(
            f"{name} must be at least {MIN_KEY_LENGTH} characters in production (a random value, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))')")
    return value


SECRET_KEY = required("SECRET_KEY")
NIK_HASH_KEY = required("NIK_HASH_KEY")
BALLOT_KEY = required("BALLOT_KEY")
DEMO_PASSWORD_REFUSED = True
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or ["suarawarga.balikpapan.go.id"]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The README's deployment: one reverse proxy (load balancer) in front of gunicorn, which appends
# the client's address to X-Forwarded-For. Set TRUSTED_PROXY_COUNT to the real number of proxies.
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "1"))
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
