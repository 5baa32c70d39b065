"""What every voter of an area sees alike on the ballot page, kept in each web process (issue 16).

The area with its round, the voting phase's closing time and the projects of the ballot are read
once per area; each project's card is rendered once per language and per state of its control
(ticked or not, a rank, a number of points); the page around the cards once per area, language,
role and path, with placeholders where a voter's own bytes go (the CSRF token and the menu, by
balikpapan_pb.shared_pages; the receipt code, the chosen cost, the cards in the voter's own
order). What a voter chose is never kept here: it is read from the database on every request and
put into the page as it is served.

Whether a kept copy is still right is asked of one version key in the shared cache (Redis),
which every save or delete of a row of wilayah, rounds and proposals replaces (connected in
voting.apps by balikpapan_pb.shared_pages.follow_writes): a project withdrawn, a cost changed, a
round renamed is on the next ballot page on every worker. A copy read within
CACHE_CHANGE_GUARD_SECONDS of a change is used for that request only, not kept (it may have been
read before the writing transaction committed). A write that sends no model signal (a queryset
update(), bulk_create) calls balikpapan_pb.shared_pages.rows_changed with the models it wrote,
which sets this key too; KEEP_SECONDS bounds one that forgot. Whether the round is open is never
taken from here: the view reads the phase afresh with the voter's own rows.

Without a shared cache (`make run` without Redis) nothing is kept: a change on one process
could not reach the others.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

VERSION_KEY = "voting:ballot-content"
KEEP_SECONDS = 300
MAX_AREAS = 500  # kept areas per process; a round of Balikpapan has 42


def content_changed(**kwargs) -> None:
    """post_save / post_delete receiver: every kept ballot page is read and rendered afresh."""
    cache.set(VERSION_KEY, f"{uuid.uuid4().hex}:{time.time():.3f}", None)


def _version() -> tuple[str, float]:
    value = cache.get(VERSION_KEY)
    if value is None:  # a fresh cache: a new version, never one a copy was kept under
        cache.add(VERSION_KEY, f"{uuid.uuid4().hex}:0", None)
        value = cache.get(VERSION_KEY) or "missing:0"
    token, _sep, changed_at = value.partition(":")
    return token, float(changed_at or 0)


@dataclass
class AreaBallot:
    """An area's ballot as every voter sees it, and the HTML made from it so far."""

    version: str
    kept_at: float
    area: object
    closes_at: object
    projects: list
    html: dict = field(default_factory=dict)  # (kind, key...) -> rendered HTML

    def fragment(self, key: tuple, render) -> str:
        html = self.html.get(key)
        if html is None:
            html = self.html[key] = render()
        return html


_kept: dict[tuple, AreaBallot] = {}


def area_ballot(area_id: int, load) -> AreaBallot:
    """The kept ballot of an area, or a fresh one from `load()` -> (area, closes_at, projects)
    (kept unless a change was made a moment ago)."""
    return _kept_or_fresh(("area", area_id), load)


def round_kept(round_id: int) -> AreaBallot:
    """What is kept per round under the same version (its `fragment`s: the areas each kelurahan
    votes in, for the receipt page)."""
    return _kept_or_fresh(("round", round_id), lambda: (None, None, []))


def _kept_or_fresh(key: tuple, load) -> AreaBallot:
    if not settings.SHARED_CACHE:
        return AreaBallot("", 0.0, *load())
    version, changed_at = _version()
    now = time.time()
    kept = _kept.get(key)
    if kept is not None and kept.version == version and now - kept.kept_at < KEEP_SECONDS:
        return kept
    fresh = AreaBallot(version, now, *load())
    if now - changed_at >= settings.CACHE_CHANGE_GUARD_SECONDS:
        if len(_kept) >= MAX_AREAS:
            _kept.clear()
        _kept[key] = fresh
    return fresh
