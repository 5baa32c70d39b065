"""Votes, points and supporters per project, with the ballots checked against the projects."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from .domain import Ballots, Project


@dataclass(frozen=True)
class Scores:
    score: dict[str, int]  # votes (approval), points k..1 (ranked), sum of points (cumulative)
    supporters: dict[str, int]  # voters who approved, ranked or gave points to the project
    max_rank: int | None


def check_projects(projects: Sequence[Project]) -> None:
    ids = [p.id for p in projects]
    if len(set(ids)) != len(ids):
        raise ValueError("project ids must be unique")


def compute_scores(projects: Sequence[Project], ballots: Ballots) -> Scores:
    known = {p.id for p in projects}
    score = dict.fromkeys(known, 0)
    supporters = dict.fromkeys(known, 0)
    max_rank = ballots.effective_max_rank() if ballots.kind == "ranked" else None
    for number, item in enumerate(ballots.items, start=1):
        for pid, points in _ballot_points(item, ballots.kind, max_rank, number):
            if pid not in known:
                raise ValueError(f"ballot {number} names unknown project {pid!r}")
            score[pid] += points
            if points > 0:
                supporters[pid] += 1
    return Scores(score=score, supporters=supporters, max_rank=max_rank)


def _ballot_points(item: object, kind: str, max_rank: int | None, number: int) -> list[tuple[str, int]]:
    if kind == "cumulative":
        if not isinstance(item, dict):
            raise ValueError(f"ballot {number}: a cumulative ballot is a dict of project id -> points")
        for pid, points in item.items():
            if isinstance(points, bool) or not isinstance(points, int) or points < 0:
                raise ValueError(f"ballot {number}: points for {pid!r} must be a non-negative int")
        return list(item.items())
    ids = tuple(item)  # type: ignore[arg-type]
    if kind == "ranked":
        if len(set(ids)) != len(ids):
            raise ValueError(f"ballot {number} ranks a project twice")
        assert max_rank is not None
        if len(ids) > max_rank:
            raise ValueError(f"ballot {number} ranks {len(ids)} projects, more than max_rank {max_rank}")
        return [(pid, max_rank - rank) for rank, pid in enumerate(ids)]
    return [(pid, 1) for pid in set(ids)]


def input_hash(
    *, rule: str, budget: int, projects: Sequence[Project], ballots: Ballots, params: dict[str, object]
) -> str:
    """sha256 of the inputs in a canonical form: project order and voter order do not matter."""
    if ballots.kind == "cumulative":
        items = [sorted((pid, pts) for pid, pts in item.items() if pts) for item in ballots.items]
    elif ballots.kind == "ranked":
        items = [list(item) for item in ballots.items]
    else:
        items = [sorted(set(item)) for item in ballots.items]
    canonical = {
        "rule": rule,
        "budget": budget,
        "params": params,
        "projects": sorted([p.id, p.cost] for p in projects),
        "ballot_kind": ballots.kind,
        "ballots": sorted(json.dumps(i, separators=(",", ":")) for i in items),
    }
    encoded = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()
