"""Shared pages with personal bytes: pages signed-in residents read, rendered once.

A page named in SHARED_PAGE_VIEWS shows a signed-in citizen (or council member) the same as
every other person of that role, but for a few bytes: the CSRF token of the logout form, the
unread badge in the menu. Such a page is rendered once per host, path, language and role with
placeholders where those bytes go, kept in the process's memory (the `pages` cache), and
served to each person with their own bytes put in (`personalise`), without JavaScript.

Whether a kept page is still right is asked of version keys in the shared cache (Redis), named
per view in SHARED_PAGE_VIEWS: "content" gets a new value on every save or delete of what the
pages show (rounds, areas, proposals, supports, comments, results...), "turnout" on every
participation (a ballot cast), which only the results pages count (`content_changed` and
`turnout_changed`, connected in balikpapan_pb.apps). The next reader on every worker then
renders afresh: a person who supported or commented sees it on the next page. A page rendered within CACHE_CHANGE_GUARD_SECONDS of a change is not kept (it may have read
the database before the writing transaction committed); SHARED_PAGE_SECONDS bounds a write that
bypassed the model signals (a queryset update()).

Never shared: visitors (balikpapan_pb.middleware has their own cache), officers whose menu lists
their own work, superusers, a request with a message waiting, anything but a 200 GET.
"""

from __future__ import annotations

import hashlib
import time
import uuid

from django.conf import settings
from django.core.cache import cache, caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils import translation

# What a shared render writes where a person's bytes go. The CSRF placeholder is plain text, so
# it is derived from SECRET_KEY: were it public, a proposal whose text (or a link in it) held it
# would be given each reader's CSRF token in that place. The menu's is markup, which escaped
# user text cannot contain.
_SECRET = hashlib.sha256(f"shared-pages|{settings.SECRET_KEY}".encode()).hexdigest()[:24]
CSRF_PLACEHOLDER = f"sw-csrf-{_SECRET}"
NAV_USER_PLACEHOLDER = f"<!--sw-nav-user-{_SECRET}-->"
_ROLES = {"citizen", "council"}
_KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary", "X-Frame-Options")


def _version_changed(name: str) -> None:
    cache.set(f"shared-pages:{name}", f"{uuid.uuid4().hex}:{time.time():.3f}", None)


def content_changed(**kwargs) -> None:
    """post_save / post_delete receiver: every shared page is rendered afresh from now on."""
    _version_changed("content")


def turnout_changed(**kwargs) -> None:
    """A participation was written: the pages that count them (results) are rendered afresh."""
    _version_changed("turnout")


def _versions(names) -> tuple[str, float]:
    """The current value of each named version key, and when the latest of them changed."""
    keys = [f"shared-pages:{name}" for name in names]
    values = cache.get_many(keys)
    for key in keys:
        if key not in values:  # a new version, never one a page was kept under (the cache may have been emptied)
            cache.add(key, f"{uuid.uuid4().hex}:0", None)
            values[key] = cache.get(key)
    tokens, changed = [], 0.0
    for key in keys:
        token, _sep, changed_at = values[key].partition(":")
        tokens.append(token)
        changed = max(changed, float(changed_at or 0))
    return "|".join(tokens), changed


def placeholders(request) -> dict:
    """Context processor (last in TEMPLATES): during a shared render, the personal values are
    placeholders; otherwise nothing."""
    if not getattr(request, "_shared_render", False):
        return {}
    return {"csrf_token": CSRF_PLACEHOLDER, "shared_nav_user": NAV_USER_PLACEHOLDER, "notifications_unread_count": 0}


def personalise(request, content: bytes) -> bytes:
    """The kept page with this person's own bytes: their CSRF token, their menu with their badge."""
    from notifications.selectors import inbox_unread_count

    nav_user = get_template("_nav_user.html").render({"notifications_unread_count": inbox_unread_count(user=request.user)})
    return (content.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode())
            .replace(NAV_USER_PLACEHOLDER.encode(), nav_user.encode()))


class SharedPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, "_shared_page_key", None)
        if key is None:
            return response
        if (response.status_code == 200 and not response.streaming and not response.cookies
                and "private" not in response.get("Cache-Control", "")):
            if time.time() - request._shared_changed_at >= settings.CACHE_CHANGE_GUARD_SECONDS:
                headers = {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)}
                caches["pages"].set(key, (response.content, headers), settings.SHARED_PAGE_SECONDS)
            response.content = personalise(request, response.content)
        elif not response.streaming:  # not kept: a placeholder must never reach anyone
            response.content = personalise(request, response.content)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not self._eligible(request):
            return None
        version, changed_at = _versions(settings.SHARED_PAGE_VIEWS[request.resolver_match.view_name])
        key = "shared-page:" + hashlib.sha256(
            f"{version}|{request.user.role}|{request.get_host()}|{translation.get_language()}|{request.get_full_path()}".encode()
        ).hexdigest()
        cached = caches["pages"].get(key)
        if cached is None:
            request._shared_render = True
            request._shared_page_key = key
            request._shared_changed_at = changed_at
            return None
        content, headers = cached
        response = HttpResponse(personalise(request, content))
        for name, value in headers.items():
            response[name] = value
        return response

    @staticmethod
    def _eligible(request) -> bool:
        match = request.resolver_match
        user = request.user
        return (
            settings.SHARED_PAGE_SECONDS > 0
            and request.method == "GET"
            and match is not None
            and match.view_name in settings.SHARED_PAGE_VIEWS
            and user.is_authenticated
            and user.role in _ROLES
            and not user.is_superuser
            and "messages" not in request.COOKIES
            and "_messages" not in request.session
        )
