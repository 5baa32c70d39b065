"""One round trip to the shared cache for what a signed-in request reads from it.

A signed-in page reads its session, its user (accounts.caching), the unread count of the menu
(notifications.selectors) and, for a shared page, its version keys and the reader's own state
(balikpapan_pb.shared_pages): each a Redis round trip of some 0.1 ms of CPU. Before the view
runs, this asks for all of them in one MGET (balikpapan_pb.cache.SharedRedisCache.preload);
the code that reads each one is unchanged and gets the value read ahead.

The user's keys need the user's id, which is in the session being read: the process remembers
whose each session it has seen (a session's user never changes: a sign-in starts a new
session) and reads that user's keys with the session. The session read in the same round trip
decides; a guess that does not match it is not used, and the keys are read as before.
"""

from django.contrib.auth import SESSION_KEY
from django.core.cache import cache

from accounts.caching import user_key
from notifications.selectors import unread_count_key

from .cache import preloading
from .shared_pages import read_ahead_keys

_USER_OF_SESSION: dict[str, str] = {}  # session key -> the id of its user, as the session says
_REMEMBERED = 20_000


class CachePreloadMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with preloading():
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        session = getattr(request, "session", None)
        session_key = getattr(session, "session_key", None)
        if not session_key or not hasattr(session, "cache_key") or not hasattr(cache, "preload"):
            return None
        user_id = _USER_OF_SESSION.get(session_key)
        keys = [session.cache_key]
        if user_id is not None:
            keys += [user_key(user_id), unread_count_key(user_id)]
        keys += read_ahead_keys(request, view_kwargs, user_id)
        found = cache.preload(keys)
        data = found.get(session.cache_key)
        actual = data.get(SESSION_KEY) if isinstance(data, dict) else None
        if actual is not None and actual != user_id:
            if len(_USER_OF_SESSION) >= _REMEMBERED:
                _USER_OF_SESSION.clear()
            _USER_OF_SESSION[session_key] = actual
        return None
