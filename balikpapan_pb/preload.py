"""One round trip to the shared cache for what a signed-in request reads from it, sent first.

A signed-in page reads its session, its user (accounts.caching), the unread count of the menu
(notifications.selectors) and, for a shared page, its version keys and the reader's own state
(balikpapan_pb.shared_pages): each a Redis round trip. This middleware, first of all, asks for
all of them in one MGET and does not wait: the other middleware does its work meanwhile, and
when the view is about to run the reply is there to be read without the worker sleeping on it
(a sleep and a wake-up cost a gunicorn worker more CPU than the command itself; issue 16). The
code that reads each key is unchanged and gets the value read ahead
(balikpapan_pb.cache.SharedRedisCache.preload_send and preload_receive).

Before the session is read its user and its view are not known: the process remembers whose each
session it has seen (a session's user never changes: a sign-in starts a new session) and which
view each path it has served resolves to. What the session and the URL say decides; a guess that
does not match them is not used, and what is missing is read then, in one more MGET.
"""

import functools
from importlib import import_module
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache

from accounts.caching import user_key
from notifications.selectors import unread_count_key

from .cache import preloading
from .shared_pages import read_ahead_keys

_REMEMBERED = 20_000
_USER_OF_SESSION: dict[str, str] = {}  # session key -> the id of its user, as the session said
_VIEW_OF_PATH: dict[str, tuple[str, dict]] = {}  # path -> (view name, view kwargs), as resolved


def _remember(memory: dict, key, value) -> None:
    if memory.get(key) != value:
        if len(memory) >= _REMEMBERED:
            memory.clear()
        memory[key] = value


@functools.cache
def _session_cache_prefix() -> str | None:
    """What the session engine puts before a session key in the default cache (None: it keeps
    no session there)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    prefix = getattr(store, "cache_key_prefix", None)
    return prefix if prefix is not None and settings.SESSION_CACHE_ALIAS == "default" else None


@functools.cache
def _file_prefixes() -> tuple[str, ...]:
    """Paths of files served without a session or a user (whitenoise's static files, media)."""
    return tuple(urlsplit(url).path for url in (settings.STATIC_URL, settings.MEDIA_URL) if url and urlsplit(url).path != "/")


def _keys(session_key: str, user_id, view, method: str) -> list[str]:
    keys = [_session_cache_prefix() + session_key]
    if user_id is not None:
        keys += [user_key(user_id), unread_count_key(user_id)]
    if view is not None:
        keys += read_ahead_keys(*view, user_id, method=method)
    return keys


class CachePreloadMiddleware:
    """First in MIDDLEWARE: it sends before the others' work and receives in process_view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with preloading():
            request._read_ahead = None
            session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
            if (session_key and _session_cache_prefix() is not None and hasattr(cache, "preload_send")
                    and not request.path_info.startswith(_file_prefixes())):
                user_id = _USER_OF_SESSION.get(session_key)
                keys = _keys(session_key, user_id, _VIEW_OF_PATH.get(request.path_info), request.method)
                request._read_ahead = (session_key, cache.preload_send(keys))
            try:
                return self.get_response(request)
            finally:
                if request._read_ahead is not None:  # no view ran (a static file, a 404): the reply is read all the same
                    cache.preload_receive(request._read_ahead[1])

    def process_view(self, request, view_func, view_args, view_kwargs):
        sent, request._read_ahead = request._read_ahead, None
        if sent is None:
            return None
        sent_for, pending = sent
        found = cache.preload_receive(pending)
        session = request.session
        if session.session_key != sent_for:  # a cookie the session store refused
            return None
        data = found.get(_session_cache_prefix() + sent_for)
        user_id = data.get(SESSION_KEY) if isinstance(data, dict) else None
        view = (request.resolver_match.view_name, view_kwargs)
        if user_id is not None:
            _remember(_USER_OF_SESSION, sent_for, user_id)
        _remember(_VIEW_OF_PATH, request.path_info, view)
        missing = [key for key in _keys(sent_for, user_id, view, request.method) if key not in pending.keys]
        if missing:  # the first page of a session or of a path in this process
            cache.preload(missing)
        return None
