"""Settings shared by every environment. Everything that differs comes from the environment."""

import datetime as dt
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Keys that make stored NIKs and ballots useless without the server: a database dump alone
# cannot be turned back into a NIK, nor a ballot linked to a person.
NIK_HASH_KEY = env("NIK_HASH_KEY", "dev-only-nik-key")
BALLOT_KEY = env("BALLOT_KEY", "dev-only-ballot-key")

INSTALLED_APPS = [
    "balikpapan_pb.apps.AdminConfig",  # django.contrib.admin, its admin.py modules loaded by the URLconf
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "rules.apps.AutodiscoverRulesConfig",
    "wilayah",
    "accounts",
    "rounds",
    "proposals",
    "voting",
    "notifications",
    "dashboard",
    "musrenbang",
    "axes",
    "balikpapan_pb.apps.SiteConfig",  # last: wires the apps above to the shared pages
]

MIDDLEWARE = [
    # first: asks Redis for what the request will read before the others' work, read in its process_view
    "balikpapan_pb.preload.CachePreloadMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "balikpapan_pb.middleware.RejectNulMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "balikpapan_pb.middleware.AnonymousPageCacheMiddleware",
    "balikpapan_pb.shared_pages.SharedPageMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lock found during sign-in into a 429 page
]

# Public pages that anonymous visitors get from a short-lived per-process cache
# (balikpapan_pb/middleware.py). A change shows to them within PAGE_CACHE_SECONDS; signed-in
# people always get a freshly rendered page. 0 turns the cache off.
PAGE_CACHE_SECONDS = int(env("PAGE_CACHE_SECONDS", "30"))
PAGE_CACHE_VIEWS = {
    "home", "privacy", "rounds:list", "rounds:detail", "proposals:list", "proposals:detail",
    "dashboard:round_results", "dashboard:area_results", "dashboard:area_print", "dashboard:round_projects",
    "dashboard:open_data", "dashboard:project",
}
# The default cache holds what every worker must agree on at once: sessions, the signed-in
# person (accounts.caching), their unread count. With REDIS_URL that is Redis, shared by every
# worker; without it the process's own memory, which is right only for one process
# (`make run`): SHARED_CACHE says which, and sessions stay in the database alone when it is not
# shared, or a logout on one worker would leave the session alive in another's memory.
SHARED_CACHE = bool(env("REDIS_URL"))
CACHES = {
    "default": {"BACKEND": "balikpapan_pb.cache.SharedRedisCache", "LOCATION": env("REDIS_URL"),
                "KEY_PREFIX": "sw"}
    if SHARED_CACHE else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages",
              "OPTIONS": {"MAX_ENTRIES": 2000}},
    # Throttle counters (accounts/throttle.py) must be shared by every web process: Redis when
    # there is one; without it (`make run`, one process) memory is enough.
    "throttle": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("REDIS_URL"),
         "KEY_PREFIX": "throttle"}
        if env("REDIS_URL") else
        {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}
    ),
}
# cached_db: a session is read from the cache and written to both, so a Redis restart signs
# nobody out (the database still has every session) and a logout deletes it from both at once.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if SHARED_CACHE else "django.contrib.sessions.backends.db"
# How long a signed-in person's row stays in the cache without a change (accounts.caching);
# every save of the row removes it at once.
USER_CACHE_SECONDS = 600 if SHARED_CACHE else 0
# After a user, their inbox or what a shared page shows changes, pages read the database for
# this long instead of the cache (accounts.caching, notifications.selectors,
# balikpapan_pb.shared_pages): longer than the writing transaction, so a request that read the
# old row before it committed cannot put it back in the cache.
CACHE_CHANGE_GUARD_SECONDS = 5
# Pages a signed-in citizen or council member reads as everyone of their role does, rendered
# once and given each person's own CSRF token and menu (balikpapan_pb/shared_pages.py). Kept
# until what they show changes, at most this long. 0 turns it off.
SHARED_PAGE_SECONDS = int(env("SHARED_PAGE_SECONDS", "300"))
# view name -> the version keys whose change renders it afresh (balikpapan_pb.shared_pages; its
# PERSONAL says what some of them show each reader of their own)
SHARED_PAGE_VIEWS = {
    "home": ("content",), "proposals:list": ("content",), "rounds:list": ("content",), "rounds:detail": ("content",),
    "proposals:detail": ("content",),
    "dashboard:round_results": ("content", "turnout"), "dashboard:area_results": ("content", "turnout"),
    "dashboard:open_data": ("content", "turnout"),
}

ROOT_URLCONF = "balikpapan_pb.urls"
WSGI_APPLICATION = "balikpapan_pb.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "balikpapan_pb.context_processors.site",
                "balikpapan_pb.context_processors.language_switch",
                "balikpapan_pb.context_processors.work",
                "notifications.context_processors.unread_count",
                "balikpapan_pb.shared_pages.placeholders",  # last: overrides the personal values
            ],
        },
    },
]

# PostgreSQL whenever DATABASE_URL is set; an embedded SQLite file otherwise, so that
# `make run` needs nothing but Python.
if env("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL"), conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            "OPTIONS": {"timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.SignInThrottleBackend",  # django-axes, first: a locked (account, address) pair is refused before any hashing
    "rules.permissions.ObjectPermissionBackend",
    "accounts.backends.EmailOrPhoneBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.DemoPasswordValidator"},
]
# The demo accounts' password (accounts/demo.py, printed in the README) signs nobody in where
# this is True: production sets it, whatever the account.
DEMO_PASSWORD_REFUSED = False
LOGIN_URL = "accounts:login"

# Sign-in throttling (django-axes). Wrong passwords are counted per account *and* client address
# together: a stranger who types 100 wrong passwords for a resident locks only their own address
# out of that account, never the resident at home (an account-wide lock would let anyone keep any
# account locked; an address-wide one would lock a whole kelurahan office or a mobile carrier's
# shared address after a few residents' typos). 5 failures then 30 minutes: a resident who mistypes
# rarely reaches 5 and is offered "forgot password", which lifts the lock; a guesser gets at most
# 5 tries per 30 minutes per address (240 a day), and every try during a lock restarts the
# 30 minutes and costs no password hash (axes refuses before the backend runs).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.throttle.axes_username"
AXES_CLIENT_IP_CALLABLE = "accounts.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.throttle.axes_lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# No log of every successful sign-in with address and browser: only the failures the lock needs,
# which axes deletes once their 30 minutes have passed.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
# Reverse proxies in front of gunicorn that append the client's address to X-Forwarded-For
# (accounts.throttle.client_ip). None under `make run`; production.py sets 1 (the README's one
# proxy / load balancer). Never more than the deployment has: each extra one trusts a header the
# client wrote.
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))

# Fixed-window limits (accounts/throttle.py): (how many, per how many seconds).
# Per recipient address: what one mailbox can be sent, whoever asks; 3 an hour covers a resident
# who asks again because the first mail is slow, and caps what an attacker can aim at a stranger's
# mailbox at 72 a day per kind. Per client address: what one client can make the portal send or
# try; generous enough for a kelurahan office or a mobile carrier's shared address (many residents
# behind one address in Indonesia), small enough that spraying mails or registrations needs
# many addresses. A NIK found taken counts separately and strictly: 3 a day per client, then
# registration from that client waits a day (it cannot be used to test NIKs in bulk).
THROTTLES = {
    "mail_reset_per_recipient": (3, 3600),
    "mail_verify_per_recipient": (3, 3600),
    "mail_register_attempt_per_recipient": (1, 86400),
    "reset_per_client": (20, 3600),
    "verify_resend_per_client": (5, 3600),
    "register_per_client": (20, 3600),
    "register_nik_taken_per_client": (3, 86400),
}
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Makassar"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploads are bounded before anything is decoded: the whole request (three 5 MB photos and
# the form; balikpapan_pb/uploads.py refuses more from the Content-Length alone), the number
# of files (a few more than a form takes, so a resident who picks four photos gets the form's
# own message with what they typed kept), and the form fields without the files. Each refusal
# is a 400 page that says what to do (balikpapan_pb.views.error_400).
UPLOAD_MAX_REQUEST_SIZE = 16 * 1024 * 1024
# The admin's census extract: a city's register is 20-30 MB (as accounts.census.MAX_UPLOAD_BYTES,
# which the form checks). Per page: (largest file, the permission that may send it).
UPLOAD_MAX_REQUEST_SIZE_BY_VIEW = {
    "accounts:census_upload": (100 * 1024 * 1024, "accounts.import_census"),
}
DATA_UPLOAD_MAX_NUMBER_FILES = 6
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default: forms are text, files do not count
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "balikpapan_pb.uploads.RequestSizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 15
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Suara Warga <noreply@suarawarga.balikpapan.go.id>")
# Absolute links in e-mails (verification, unsubscribe) are built from this.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

PRIVACY_POLICY_VERSION = "2026-11"

# Celery: Redis as broker when REDIS_URL is set; without it tasks run in-process at once,
# so the portal works with Python alone.
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a web request when Redis is down: fail fast, the outbox sweep
# delivers later.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 1}
# Tallies: one task per round. The longest expected is MES + add1 over a city-scale round
# (41 areas, 500,000 voters), which must finish in about a minute on one worker (issue 15);
# greedy and Borda take seconds. 15 minutes leaves room for a slow machine or a larger city.
# Past the soft limit the run is marked failed with a message for the admin (re-running the
# same ballots takes the same time, so it is not retried); the hard limit follows a minute later.
TALLY_SOFT_TIME_LIMIT = int(env("TALLY_SOFT_TIME_LIMIT", "900"))
TALLY_TIME_LIMIT = TALLY_SOFT_TIME_LIMIT + 60
CELERY_TASK_ANNOTATIONS = {
    "voting.tasks.tally_round": {"soft_time_limit": TALLY_SOFT_TIME_LIMIT, "time_limit": TALLY_TIME_LIMIT},
}
# Redis hands an unacknowledged task to another worker after this many seconds: it must exceed
# the longest tally (or a live tally would be started twice), and stays at kombu's hour so the
# notification retries' countdowns are not redelivered early. A tally whose worker died does
# not wait for it: the tally sweep below re-queues it.
CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = max(3600, TALLY_TIME_LIMIT + 300)
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    # the sweep must not wait behind a long tally on the one-process tally worker
    "voting.tasks.tally_sweep": {"queue": "celery"},
    # a resident's "ballot recorded" e-mail must not wait behind a tally either
    "voting.tasks.ballot_recorded_notify": {"queue": "notifications"},
    "voting.tasks.*": {"queue": "tally"},
    "notifications.tasks.*": {"queue": "notifications"},
    "accounts.tasks.*": {"queue": "notifications"},
}
CELERY_BEAT_SCHEDULE: dict = {
    "notifications-sweep": {"task": "notifications.tasks.sweep", "schedule": 60.0, "options": {"expires": 55}},
    "rounds-switch-phases": {"task": "rounds.tasks.switch_phases", "schedule": 60.0, "options": {"expires": 55}},
}
# voting: tally rounds whose voting has ended; remind non-voters 24 hours before voting closes.
CELERY_BEAT_SCHEDULE["voting-tally-closed-rounds"] = {"task": "voting.tasks.tally_closed_rounds", "schedule": 300.0}
# voting: tallies whose task was lost (broker down, worker killed) are sent again.
CELERY_BEAT_SCHEDULE["voting-tally-sweep"] = {"task": "voting.tasks.tally_sweep", "schedule": 30.0,
                                              "options": {"expires": 25}}
# Ballot secrecy (README, "Ballot secrecy"): pending ballots are mixed into the ballot table every
# BALLOT_MIX_INTERVAL seconds once at least BALLOT_MIX_MIN_PENDING of an area wait (k), and all
# of them when voting closes.
BALLOT_MIX_MIN_PENDING = int(env("BALLOT_MIX_MIN_PENDING", "20"))
BALLOT_MIX_INTERVAL = int(env("BALLOT_MIX_INTERVAL", "300"))
CELERY_BEAT_SCHEDULE["voting-mix-ballots"] = {"task": "voting.tasks.mix_ballots", "schedule": float(BALLOT_MIX_INTERVAL),
                                              "options": {"expires": BALLOT_MIX_INTERVAL - 5}}
CELERY_BEAT_SCHEDULE["voting-closing-reminders"] = {"task": "voting.tasks.remind_voting_closing", "schedule": 3600.0}
# musrenbang: a published PB result moves funded usulan on along their journey.
CELERY_BEAT_SCHEDULE["musrenbang-apply-results"] = {"task": "musrenbang.tasks.apply_published_results",
                                                    "schedule": 60.0, "options": {"expires": 55}}
CELERY_BEAT_SCHEDULE["accounts-forget-passed-adult-dates"] = {"task": "accounts.tasks.forget_passed_adult_dates",
                                                              "schedule": 86400.0}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # axes logs every sign-in and sign-out with its path at INFO: a desk reset link's token would
    # be in the logs; its failures and locks (WARNING) stay, with the username and address masked.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Map tiles: the tile server is a setting, so a city-run server can replace the public one.
MAP_TILE_URL = env("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", "&copy; OpenStreetMap contributors")


# Security headers: django-csp (CSPMiddleware) and django-permissions-policy, both well kept;
# Referrer-Policy comes from Django's SecurityMiddleware.
def _origin(url: str) -> str:
    """The origin of the tile URL for img-src ('{s}.tile...' -> '*.tile...'); none when relative."""
    parts = urlsplit(url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


# Scripts only from this site's files: no inline script, no event-handler attribute, no eval
# (tests/site/test_security_headers.py keeps the templates that way). Inline style attributes
# stay allowed (progress bars, category colours, Leaflet): they cannot run code, and Django
# escapes what goes into them; <style> blocks are refused where the browser knows
# style-src-elem. Map tiles come from MAP_TILE_URL; Bootstrap's icons are data: SVGs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "style-src-elem": ["'self'"],
        "img-src": ["'self'", "data:", *filter(None, [_origin(MAP_TILE_URL)])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# The tile server is told which site asks (OpenStreetMap's tile policy wants a Referer), but
# never which page: a proposal's or a ballot's address stays here.
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
# Nothing in the portal uses these; a script injected anyway cannot ask for them.
PERMISSIONS_POLICY = {feature: [] for feature in [
    "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer",
    "microphone", "midi", "payment", "usb", "browsing-topics",
]}
