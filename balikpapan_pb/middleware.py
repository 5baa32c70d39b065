"""A short-lived cache of the public pages that anonymous visitors read.

Most of the traffic on a results day is people who are not signed in reading the same few
pages. For them, a page named in `PAGE_CACHE_VIEWS` is rendered once per process every
`PAGE_CACHE_SECONDS` and served from memory in between. Signed-in people, POSTs, pages that
set a cookie or carry a CSRF token, and anything but a 200 are never cached, so nobody sees
another person's page. The cache is the process's own memory (the `pages` cache alias):
it needs no Redis, so a Redis outage changes nothing for readers.
"""

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import BadRequest
from django.http import HttpResponse
from django.utils import translation

# Cookies that make a request someone's own: a session (signed in, or a pending message in
# the session) or a message waiting in the cookie storage.
_PERSONAL_COOKIES = (settings.SESSION_COOKIE_NAME, "messages")
_KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary", "X-Frame-Options")


def page_key(prefix: str, request, *parts) -> str:
    """The `pages` cache key of this request's page: its host, language and full path, after
    `parts` (what else the page depends on)."""
    return prefix + hashlib.sha256("|".join(
        [*map(str, parts), request.get_host(), translation.get_language(), request.get_full_path()]).encode()
    ).hexdigest()


def page_keep(key: str, response, seconds: int) -> None:
    """Keeps the page of `response` with the headers that a page served from the cache needs."""
    headers = {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)}
    caches["pages"].set(key, (response.content, headers), seconds)


def page_kept(kept, content: bytes | None = None) -> HttpResponse:
    """The response of a kept page (with `content` in its place, when given)."""
    kept_content, headers = kept
    response = HttpResponse(kept_content if content is None else content)
    for name, value in headers.items():
        response[name] = value
    return response


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, "_page_cache_key", None)
        if key and self._cacheable(request, response):
            page_keep(key, response, settings.PAGE_CACHE_SECONDS)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not self._eligible(request):
            return None
        key = page_key("page:", request)
        cached = caches["pages"].get(key)
        if cached is None:
            request._page_cache_key = key
            return None
        return page_kept(cached)

    @staticmethod
    def _eligible(request) -> bool:
        match = request.resolver_match
        return (
            settings.PAGE_CACHE_SECONDS > 0
            and request.method == "GET"
            and match is not None
            and match.view_name in settings.PAGE_CACHE_VIEWS
            and not any(name in request.COOKIES for name in _PERSONAL_COOKIES)
        )

    @staticmethod
    def _cacheable(request, response) -> bool:
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            # A page that used a CSRF token holds one visitor's token: never share it.
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and not request.user.is_authenticated
            and "private" not in response.get("Cache-Control", "")
            and "no-store" not in response.get("Cache-Control", "")
        )


class RejectNulMiddleware:
    """A NUL byte in the path or the query string answers 400 before any view runs.

    PostgreSQL cannot store or compare NUL in text and answers with an error, so a lookup with
    one (`/admin/wilayah/kecamatan/%00/change/`, `?q=%00` in an admin search) would be a 500.
    The portal's own routes refuse such values in their path converters
    (balikpapan_pb/converters.py); this covers the routes Django builds itself (the admin) and
    every query string, in one place. Django has no setting for it; forms already refuse NUL
    (ProhibitNullCharactersValidator)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            raise BadRequest("NUL byte in the URL")
        return self.get_response(request)
