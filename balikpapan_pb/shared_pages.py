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
`turnout_changed`, connected in balikpapan_pb.apps by `follow_writes`; a write that sends no
model signal calls `rows_changed` with the models it wrote). The next reader on every worker then
renders afresh: a person who supported or commented sees it on the next page. A page rendered within CACHE_CHANGE_GUARD_SECONDS of a change is not kept (it may have read
the database before the writing transaction committed); SHARED_PAGE_SECONDS bounds a write that
bypassed the model signals and forgot `rows_changed`.

Some pages show a reader more of their own than the menu: a view named in PERSONAL gives each
reader a `Personal`, with a part of the cache key (readers with the same part share one render:
the round page per kelurahan of residence) and fragments, each reader's HTML for a named slot
the shared render leaves (`{% personal_slot %}` in balikpapan_pb/templatetags/shared_pages.py:
the support and follow buttons of a proposal), or None: not shared with this reader (a
proposal's author, a proposal not public). Markup only some readers may not see (the report
link under a reader's own comment) is marked with its owner by `{% not_for_owner %}` and cut
out for that owner. What a reader's fragments are made of (their support and follow, the
proposal's status and phase: one small query) is kept in the shared cache per reader under the
page's version (`reader_kept`): every write that renders the page afresh reads it afresh too, so
a person sees their own support or follow at once, from a kept page. The session, the user, the
badge, the versions and this state come in one round trip (balikpapan_pb.preload).

Never shared: visitors (balikpapan_pb.middleware has their own cache), officers whose menu lists
their own work, superusers, a request with a message waiting, anything but a 200 GET.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.db.models import SET_NULL
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token
from django.template.loader import get_template
from django.utils import translation

from .middleware import page_keep, page_kept, page_key

# What a shared render writes where a person's bytes go. The CSRF placeholder is plain text, so
# it is derived from SECRET_KEY: were it public, a proposal whose text (or a link in it) held it
# would be given each reader's CSRF token in that place. The menu's is markup, which escaped
# user text cannot contain.
_SECRET = hashlib.sha256(f"shared-pages|{settings.SECRET_KEY}".encode()).hexdigest()[:24]
CSRF_PLACEHOLDER = f"sw-csrf-{_SECRET}"
NAV_USER_PLACEHOLDER = f"<!--sw-nav-user-{_SECRET}-->"
_SLOT = f"<!--sw-slot-{_SECRET}-"
_OWNER_START, _OWNER_END = f"<!--sw-not-for-{_SECRET}:", f"<!--/sw-not-for-{_SECRET}-->"
_UNFILLED_SLOT = re.compile(re.escape(_SLOT).encode() + rb"[\w-]+-->")
_OWNED = re.compile(re.escape(_OWNER_START).encode() + rb"(\d+)-->(.*?)" + re.escape(_OWNER_END).encode(), re.S)
_ROLES = {"citizen", "council"}


def _version_changed(name: str) -> None:
    cache.set(f"shared-pages:{name}", f"{uuid.uuid4().hex}:{time.time():.3f}", None)


def content_changed(**kwargs) -> None:
    """post_save / post_delete receiver: every shared page is rendered afresh from now on."""
    _version_changed("content")


def turnout_changed(**kwargs) -> None:
    """A participation was written: the pages that count them (results) are rendered afresh."""
    _version_changed("turnout")


# model -> the receivers of its writes that set a version key (here and in voting.ballot_cache)
_FOLLOWERS: dict[type, list[Callable]] = {}


def follow_writes(model, receiver: Callable, uid: str) -> None:
    """`receiver` sets a version key on every save and delete of a row of `model` (and of its
    many-to-many rows), and on every `rows_changed(model)`."""
    for name, signal in (("post_save", post_save), ("post_delete", post_delete)):
        signal.connect(receiver, sender=model, dispatch_uid=f"{uid}.{name}.{model._meta.label_lower}")
    for many in model._meta.local_many_to_many:
        through = many.remote_field.through
        m2m_changed.connect(receiver, sender=through, dispatch_uid=f"{uid}.m2m.{through._meta.label_lower}")
    followers = _FOLLOWERS.setdefault(model, [])
    if receiver not in followers:
        followers.append(receiver)


def rows_changed(*models) -> None:
    """Rows of these models were written by a statement that sends no model signal (a queryset
    update(), bulk_create, bulk_update, SQL of its own): every version key their saves set is set,
    now, inside the writing transaction as a save's receiver does (a page rendered within
    CACHE_CHANGE_GUARD_SECONDS is not kept), and again once it commits, for a transaction that
    runs longer than that."""
    receivers = list(dict.fromkeys(receiver for model in models for receiver in _FOLLOWERS.get(model, ())))
    for receiver in receivers:
        receiver(sender=None)
    if receivers and transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: [receiver(sender=None) for receiver in receivers])


def account_deleted(sender, **kwargs) -> None:
    """post_delete of an account: the rows that named it (a proposal's proposer, a comment's
    author) lost it by the deletion's own UPDATE (on_delete=SET_NULL), which sends no signal."""
    _rows_naming_accounts_changed(sender)


def account_renamed() -> None:
    """An account's name changed (accounts.services.user_update_profile): the rows that name it
    show another name. Saves of accounts are not followed, since every sign-in saves one."""
    from django.contrib.auth import get_user_model

    _rows_naming_accounts_changed(get_user_model())


def _rows_naming_accounts_changed(user_model) -> None:
    # The relations that keep their row without the account (on_delete=SET_NULL) are the ones
    # that name a person on a page: a proposal's proposer, a comment's author.
    rows_changed(*(relation.related_model for relation in user_model._meta.related_objects
                   if relation.on_delete is SET_NULL))


def _version_keys(names) -> list[str]:
    return [f"shared-pages:{name}" for name in names]


# view name -> the keys of the shared cache its requests read besides a shared page's versions,
# as READ_AHEAD[name](user_id, **view_kwargs): a proposal reader's own state (below), the kept
# ballot's version key for the ballot page and its POST (voting.apps registers it)
READ_AHEAD: dict[str, Callable[..., list[str]]] = {}


def read_ahead_keys(view_name: str, view_kwargs: dict, user_id, method: str = "GET") -> list[str]:
    """The keys of the shared cache a request reads (a shared page's GET: its versions; what
    READ_AHEAD names), for balikpapan_pb.preload to read with the session."""
    names = settings.SHARED_PAGE_VIEWS.get(view_name) if method == "GET" else None
    keys = _version_keys(names) if names else []
    more = READ_AHEAD.get(view_name)
    if more is not None:
        keys += more(user_id, **view_kwargs)
    return keys


def _versions(names) -> tuple[str, float]:
    """The current value of each named version key, and when the latest of them changed."""
    keys = _version_keys(names)
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


def slot(name: str) -> str:
    """What a shared render writes where the named fragment of each reader goes."""
    return f"{_SLOT}{name}-->"


def owned(owner_id, content: str) -> str:
    """Markup of a shared render that the reader whose pk is owner_id does not get."""
    return f"{_OWNER_START}{int(owner_id)}-->{content}{_OWNER_END}"


def is_shared_render(context) -> bool:
    return bool(getattr(context.get("request"), "_shared_render", False))


@dataclass(frozen=True)
class Personal:
    """What a shared page shows one reader beyond their menu and token."""

    key: str = ""  # readers with the same key share one render
    fragments: dict[str, str] = field(default_factory=dict)  # slot name -> this reader's HTML


def render_fragment(template_name: str, context: dict) -> str:
    """A reader's fragment; its CSRF token is put in with the page's."""
    return get_template(template_name).render({**context, "csrf_token": CSRF_PLACEHOLDER})


def reader_state_key(user_id, pk) -> str:
    return f"shared-pages:reader:{user_id}:{pk}"


def _proposal_reader(request, pk: int) -> Personal | None:
    """The proposal page: each reader's support and follow buttons. Not shared with its author
    (to whom it may offer changes) nor while the proposal is not public, whose page only the
    view's own permission check may give (a kept page skips the view)."""
    from proposals.predicates import is_publicly_visible
    from proposals.selectors import proposal_reader_row

    user = request.user
    row = reader_kept(request, reader_state_key(user.pk, pk), lambda: proposal_reader_row(pk=pk, user=user))
    proposal = _reader_proposal(row)
    if proposal is None or proposal.proposer_id == user.pk or not is_publicly_visible(proposal):
        return None
    return Personal(fragments={"proposal-actions": _proposal_actions(
        proposal.pk, translation.get_language(), user.has_perm("proposals.support_proposal", proposal),
        proposal.supported, user.has_perm("proposals.follow_proposal", proposal), proposal.followed)})


@functools.lru_cache(maxsize=4096)
def _reader_proposal(row: tuple | None):
    """The instances of a reader state (three models' __init__, 0.05 ms), built once per state in
    the process: the rules' predicates only read them."""
    from proposals.selectors import proposal_reader_state

    return proposal_reader_state(row)


def reader_kept(request, key: str, read: Callable):
    """What `read()` gives this reader, kept in the shared cache under the version of the page it
    is for: read afresh once anything the page shows changed (a support, a follow, a status, a
    phase: every such write sets a new version), and not kept when read within
    CACHE_CHANGE_GUARD_SECONDS of a change (the writing transaction may not have committed)."""
    version, changed_at = request._shared_version
    kept = cache.get(key)
    if isinstance(kept, tuple) and kept[0] == version:
        return kept[1]
    value = read()
    if time.time() - changed_at >= settings.CACHE_CHANGE_GUARD_SECONDS:
        cache.set(key, (version, value), settings.SHARED_PAGE_SECONDS)
    return value


@functools.lru_cache(maxsize=4096)
def _proposal_actions(pk: int, language: str, can_support: bool, supported: bool, can_follow: bool,
                      followed: bool) -> str:
    """The buttons, rendered once per proposal, language and state (0.5 ms a render): the token
    in them is the placeholder."""
    return render_fragment("proposals/_actions.html", {
        "proposal": {"pk": pk, "supported": supported, "followed": followed},
        "can_support": can_support, "can_follow": can_follow})


def _round_reader(request, slug: str) -> Personal:
    """The round page names the reader's own kelurahan: rendered once per kelurahan."""
    return Personal(key=f"kelurahan={request.user.kelurahan_id or ''}")


# view name -> what its pages show each reader of their own (the others show only the menu and token)
PERSONAL = {"proposals:detail": _proposal_reader, "rounds:detail": _round_reader}
READ_AHEAD["proposals:detail"] = lambda user_id, pk: [] if user_id is None else [reader_state_key(user_id, pk)]
_NOTHING_PERSONAL = Personal()


def placeholders(request) -> dict:
    """Context processor (last in TEMPLATES): during a shared render, the personal values are
    placeholders; otherwise nothing."""
    if not getattr(request, "_shared_render", False):
        return {}
    return {"csrf_token": CSRF_PLACEHOLDER, "shared_nav_user": NAV_USER_PLACEHOLDER, "notifications_unread_count": 0}


_CSRF_INDEX = {char: index for index, char in enumerate(CSRF_ALLOWED_CHARS)}
# A random byte at or above this would favour the first characters (256 is not a multiple of 62).
_CSRF_BYTE_LIMIT = 256 - 256 % len(CSRF_ALLOWED_CHARS)


def csrf_token(request) -> str:
    """Django's get_token: this request's secret, masked afresh for each page so that no two
    responses carry the same token (BREACH). The mask is drawn in one read of the system's random
    source where Django's draws each of its 32 characters apart (60 of the 70 microseconds of a
    call, profiled in issue 16); unmasked, the token is the secret, as Django checks it. A request
    without a secret yet gets one from Django."""
    secret = request.META.get("CSRF_COOKIE")
    if not secret or len(secret) != CSRF_SECRET_LENGTH or not _CSRF_INDEX.keys() >= set(secret):
        return get_token(request)
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True  # as get_token: the cookie's expiry is renewed
    mask: list[int] = []
    while len(mask) < CSRF_SECRET_LENGTH:
        mask += [byte % len(CSRF_ALLOWED_CHARS) for byte in secrets.token_bytes(48) if byte < _CSRF_BYTE_LIMIT]
    mask = mask[:CSRF_SECRET_LENGTH]
    chars, index, count = CSRF_ALLOWED_CHARS, _CSRF_INDEX, len(CSRF_ALLOWED_CHARS)
    return "".join([chars[m] for m in mask] + [chars[(index[x] + m) % count] for x, m in zip(secret, mask, strict=True)])


def personalise(request, content: bytes, personal: Personal = _NOTHING_PERSONAL) -> bytes:
    """The kept page with this person's own bytes: their fragments, their CSRF token, their menu
    with their badge."""
    from notifications.selectors import inbox_unread_count

    for name, html in personal.fragments.items():
        content = content.replace(slot(name).encode(), html.encode())
    if _SLOT.encode() in content:  # a slot this reader has nothing for
        content = _UNFILLED_SLOT.sub(b"", content)
    if _OWNER_START.encode() in content:
        reader = str(request.user.pk).encode()
        content = _OWNED.sub(lambda match: b"" if match[1] == reader else match[2], content)
    nav_user = _nav_user(translation.get_language(), inbox_unread_count(user=request.user))
    return (content.replace(CSRF_PLACEHOLDER.encode(), csrf_token(request).encode())
            .replace(NAV_USER_PLACEHOLDER.encode(), nav_user))


@functools.lru_cache(maxsize=512)
def _nav_user(language: str, unread_count: int) -> bytes:
    """The menu's inbox link with its badge: the same for everyone with this count (it is capped)
    in this language, so rendered once per process."""
    return get_template("_nav_user.html").render({"notifications_unread_count": unread_count}).encode()


def reader_is_shareable(request) -> bool:
    """Whether this reader sees a page as everyone of their role does: a signed-in citizen or council
    member (not a superuser), with no message waiting. voting.views' kept ballot page asks it too."""
    user = request.user
    return (user.is_authenticated and user.role in _ROLES and not user.is_superuser
            and not request.COOKIES.get("messages")  # a browser sends no expired cookie; a test client sends it empty
            and "_messages" not in request.session)


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
                page_keep(key, response, settings.SHARED_PAGE_SECONDS)
            response.content = personalise(request, response.content, request._shared_personal)
        elif not response.streaming:  # not kept: a placeholder must never reach anyone
            response.content = personalise(request, response.content, request._shared_personal)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not self._eligible(request):
            return None
        view_name = request.resolver_match.view_name
        version, changed_at = request._shared_version = _versions(settings.SHARED_PAGE_VIEWS[view_name])
        reader = PERSONAL.get(view_name)
        personal = _NOTHING_PERSONAL if reader is None else reader(request, *view_args, **view_kwargs)
        if personal is None:
            return None
        key = page_key("shared-page:", request, version, request.user.role, personal.key)
        cached = caches["pages"].get(key)
        if cached is None:
            request._shared_render = True
            request._shared_page_key = key
            request._shared_changed_at = changed_at
            request._shared_personal = personal
            return None
        return page_kept(cached, personalise(request, cached[0], personal))

    @staticmethod
    def _eligible(request) -> bool:
        match = request.resolver_match
        return (
            settings.SHARED_PAGE_SECONDS > 0
            and request.method == "GET"
            and match is not None
            and match.view_name in settings.SHARED_PAGE_VIEWS
            and reader_is_shareable(request)
        )
