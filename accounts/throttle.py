"""Limits that hurt attackers, not residents: who the client is, and counters per client and per address.

Sign-in is throttled by django-axes (settings: AXES_*), per account *and* client address together:
a stranger's wrong passwords lock only the stranger's own address out of that account. The
other limits here are fixed-window counters in the shared cache ("throttle", Redis in
production), so every web process counts together.
"""

import ipaddress

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django.template.response import TemplateResponse

from .identity import keyed_hash
from .phone import normalise_mobile


def client_ip(request: HttpRequest) -> str:
    """The address of the client, trusting exactly TRUSTED_PROXY_COUNT reverse proxies.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For,
    so the client is the entry TRUSTED_PROXY_COUNT places from the right; everything further
    left was written by the client and is ignored (a spoofed "X-Forwarded-For: 1.2.3.4" does not
    make a new client). With no proxy (0, `make run`, tests) it is REMOTE_ADDR.

    django-ipware is not used: its "best routable address" choice would take a client-written
    public address over the proxy's own entry when the real client has a private one."""
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    entries = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(entries) < count:
        return remote
    candidate = entries[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def login_identifier(raw: str | None) -> str:
    """One spelling for every way of typing the same sign-in name: an email address in any case,
    a mobile number as 0812..., +62812..., 62 812-...: what the sign-in throttle counts."""
    raw = (raw or "").strip()
    if "@" in raw:
        return raw.lower()
    return normalise_mobile(raw) or raw.lower()


def axes_username(request, credentials: dict | None) -> str:
    """AXES_USERNAME_CALLABLE: the normalised sign-in name, keyed-hashed, so that the attempt
    table counts `0812...` and `+62812...` together and holds no email address or phone number."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = getattr(request, "POST", {}).get("username")
    return "login:" + keyed_hash("login:" + login_identifier(raw))[:40]


def axes_lockout_response(request, original_response, credentials):
    """AXES_LOCKOUT_CALLABLE: the site's sign-in page already says why (LoginForm), so it is kept
    and answered with 429; any other sign-in form (the admin's) gets the portal's lock page."""
    from .forms import login_lock_message

    if original_response is not None and getattr(request, "resolver_match", None) \
            and request.resolver_match.view_name == "accounts:login":
        original_response.status_code = settings.AXES_HTTP_RESPONSE_CODE
        return original_response
    response = TemplateResponse(request, "accounts/login_locked.html", {"message": login_lock_message()},
                                status=settings.AXES_HTTP_RESPONSE_CODE)
    return response.render()


def lock_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


# --- counters -------------------------------------------------------------------------------------


def _cache():
    return caches["throttle"]


def hit(*, scope: str, key: str, limit: int, window: int) -> bool:
    """Counts one event for (scope, key) in a fixed window of `window` seconds; True while the
    count is within `limit`. The key is hashed: no address is kept in the cache in clear."""
    name = f"{scope}:{keyed_hash(scope + ':' + key)[:40]}"
    cache = _cache()
    cache.add(name, 0, timeout=window)  # starts the window; no-op while it runs
    try:
        count = cache.incr(name)
    except ValueError:  # the window ended between add and incr
        cache.set(name, 1, timeout=window)
        count = 1
    return count <= limit


def allowed(*, scope: str, key: str, limit: int, window: int) -> bool:
    """Whether (scope, key) is still within its limit, without counting."""
    name = f"{scope}:{keyed_hash(scope + ':' + key)[:40]}"
    return (_cache().get(name) or 0) < limit


def throttle_hit(name: str, key: str) -> bool:
    """Counts one event against settings.THROTTLES[name]; True while within the limit."""
    limit, window = settings.THROTTLES[name]
    return hit(scope=name, key=key, limit=limit, window=window)


def throttle_allowed(name: str, key: str) -> bool:
    limit, window = settings.THROTTLES[name]
    return allowed(scope=name, key=key, limit=limit, window=window)


def recipient_key(address: str) -> str:
    return (address or "").strip().lower()


def throttle_count(name: str, key: str) -> int:
    """How many events (name, key) has counted in its current window (for pages and tests)."""
    return _cache().get(f"{name}:{keyed_hash(name + ':' + key)[:40]}") or 0
