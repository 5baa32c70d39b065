"""Votes, points and supporters per project, with the ballots checked against the projects."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .domain import Ballots, Project

CanonicalBallot = tuple[Any, ...]


@dataclass(frozen=True)
class Scores:
    score: dict[str, int]  # votes (approval), points k..1 (ranked), sum of points (cumulative)
    supporters: dict[str, int]  # voters who approved, ranked or gave points to the project
    max_rank: int | None
    ballots: Counter[CanonicalBallot]  # identical ballots counted once, in canonical form


def check_projects(projects: Sequence[Project]) -> None:
    ids = [p.id for p in projects]
    if len(set(ids)) != len(ids):
        raise ValueError("project ids must be unique")


def compute_scores(projects: Sequence[Project], ballots: Ballots) -> Scores:
    """Scores from ballots grouped by identical content: city-scale rounds have far fewer
    distinct ballots than voters, and every later step works on the groups."""
    max_rank = ballots.effective_max_rank() if ballots.kind == "ranked" else None
    if ballots.counts is None:
        grouped = Counter(canonical_ballot(item, ballots.kind, max_rank, n) for n, item in enumerate(ballots.items, 1))
    else:  # grouped already by whoever read them (the same ballot text can still be two orders of one set)
        grouped = Counter()
        for n, (item, count) in enumerate(ballots.weighted(), 1):
            grouped[canonical_ballot(item, ballots.kind, max_rank, n)] += count
    known = {p.id for p in projects}
    score = dict.fromkeys(known, 0)
    supporters = dict.fromkeys(known, 0)
    for ballot, count in grouped.items():
        for pid, points in _points(ballot, ballots.kind, max_rank):
            if pid not in known:
                raise ValueError(f"a ballot names unknown project {pid!r}")
            score[pid] += points * count
            supporters[pid] += count
    return Scores(score=score, supporters=supporters, max_rank=max_rank, ballots=grouped)


def canonical_ballot(item: Any, kind: str, max_rank: int | None, number: int) -> CanonicalBallot:
    """The ballot in a form where equal ballots are equal: sorted approvals, ranked order kept,
    cumulative (id, points) pairs sorted with zero points dropped."""
    if kind == "cumulative":
        if not isinstance(item, dict):
            raise ValueError(f"ballot {number}: a cumulative ballot is a dict of project id -> points")
        for pid, points in item.items():
            if isinstance(points, bool) or not isinstance(points, int) or points < 0:
                raise ValueError(f"ballot {number}: points for {pid!r} must be a non-negative int")
        return tuple(sorted((pid, pts) for pid, pts in item.items() if pts))
    ids = tuple(item)
    if kind == "ranked":
        if len(set(ids)) != len(ids):
            raise ValueError(f"ballot {number} ranks a project twice")
        if max_rank is not None and len(ids) > max_rank:
            raise ValueError(f"ballot {number} ranks {len(ids)} projects, more than max_rank {max_rank}")
        return ids
    return tuple(sorted(set(ids)))


def _points(ballot: CanonicalBallot, kind: str, max_rank: int | None) -> list[tuple[str, int]]:
    if kind == "cumulative":
        return list(ballot)
    if kind == "ranked":
        assert max_rank is not None
        return [(pid, max_rank - rank) for rank, pid in enumerate(ballot)]
    return [(pid, 1) for pid in ballot]


def input_hash(*, rule: str, budget: int, projects: Sequence[Project], scores: Scores, kind: str, params: dict) -> str:
    """sha256 of the inputs in a canonical form: project order and voter order do not matter."""
    ballots = sorted([list(b), n] for b, n in scores.ballots.items())
    return _sha256_of(rule, budget, projects, kind, params, ballots=ballots)


def totals_hash(
    *, rule: str, budget: int, projects: Sequence[Project], scores: Scores, voters: int, kind: str, params: dict
) -> str:
    """sha256 of what greedy and Borda read: the totals per project and the number of voters."""
    return _sha256_of(rule, budget, projects, kind, params, score=sorted(scores.score.items()),
                      supporters=sorted(scores.supporters.items()), voters=voters)


def _sha256_of(rule: str, budget: int, projects: Sequence[Project], kind: str, params: dict, **inputs: Any) -> str:
    canonical = {
        "rule": rule,
        "budget": budget,
        "params": params,
        "projects": sorted([p.id, p.cost] for p in projects),
        "ballot_kind": kind,
        **inputs,
    }
    encoded = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()
