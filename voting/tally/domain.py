"""Plain data types of the tally engine (no Django, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

BallotKind = Literal["approval", "knapsack", "ranked", "cumulative"]
BALLOT_KINDS: tuple[str, ...] = ("approval", "knapsack", "ranked", "cumulative")


@dataclass(frozen=True)
class Project:
    """A project on the ballot: its id as text (the pabulib project id) and its cost in whole rupiah."""

    id: str
    cost: int

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError("Project.id must be a non-empty string")
        # bool is an int subclass; a True cost is a bug, not a price.
        if isinstance(self.cost, bool) or not isinstance(self.cost, int) or self.cost < 0:
            raise ValueError(f"Project {self.id!r}: cost must be a non-negative int of rupiah, got {self.cost!r}")


@dataclass(frozen=True)
class Ballots:
    """All ballots of one area.

    approval / knapsack: items are tuples of approved project ids (an empty tuple is a blank
    ballot: the voter still counts, which shrinks everyone's share under MES).
    ranked: items are tuples of project ids, best first; points are max_rank..1.
    cumulative: items are dicts project id -> points.

    counts, when given, says how many voters cast each item: a database hands over each distinct
    ballot once with its number (a city round has far fewer distinct ballots than voters), and
    the result is the one the repeated ballots give.
    """

    kind: BallotKind
    items: list[Any] = field(default_factory=list)
    max_rank: int | None = None
    counts: list[int] | None = None

    def __post_init__(self) -> None:
        if self.kind not in BALLOT_KINDS:
            raise ValueError(f"unknown ballot kind {self.kind!r}; expected one of {BALLOT_KINDS}")
        if self.max_rank is not None and self.max_rank < 1:
            raise ValueError("max_rank must be at least 1")
        if self.counts is not None:
            if len(self.counts) != len(self.items):
                raise ValueError("counts must give one number per item")
            if any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in self.counts):
                raise ValueError("counts must be positive ints")

    @property
    def voter_count(self) -> int:
        return len(self.items) if self.counts is None else sum(self.counts)

    def weighted(self):
        """(item, how many voters cast it) for each item."""
        if self.counts is None:
            return ((item, 1) for item in self.items)
        return zip(self.items, self.counts, strict=True)

    def one_per_voter(self) -> list[Any]:
        """Every voter's ballot, repeated as many times as it was cast."""
        if self.counts is None:
            return list(self.items)
        return [item for item, count in self.weighted() for _ in range(count)]

    def effective_max_rank(self) -> int:
        """k in the points k..1; defaults to the longest ranked ballot when not given."""
        if self.max_rank is not None:
            return self.max_rank
        return max((len(item) for item in self.items), default=0)  # the same with counts

    def approval_sets(self) -> list[tuple[str, ...]]:
        """Every ballot read as the set of projects it supports (sorted ids).

        MES needs approvals: a ranked ballot approves every project it lists, a cumulative
        ballot every project it gives more than zero points.
        """
        if self.kind == "cumulative":
            return [tuple(sorted(pid for pid, pts in _as_points(item).items() if pts > 0)) for item in self.one_per_voter()]
        return [tuple(sorted(set(item))) for item in self.one_per_voter()]


def _as_points(item: Any) -> Mapping[str, int]:
    if not isinstance(item, Mapping):
        raise ValueError(f"a cumulative ballot must be a mapping of project id to points, got {type(item).__name__}")
    return item


@dataclass(frozen=True)
class ProjectResult:
    """One project's line in a result: why it was or was not funded, in both languages."""

    id: str
    cost: int
    votes: int
    selected: bool
    rank: int
    reason_id: str
    reason_en: str
    supporters: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TallyResult:
    rule: str
    budget: int
    budget_used: int
    selected: list[str]
    projects: list[ProjectResult]
    input_hash: str
    voters: int = 0
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able and deterministic: only str, int, bool, lists and dicts, no floats."""
        return {
            "rule": self.rule,
            "budget": self.budget,
            "budget_used": self.budget_used,
            "voters": self.voters,
            "selected": list(self.selected),
            "projects": [p.to_dict() for p in self.projects],
            "input_hash": self.input_hash,
            "params": dict(self.params),
        }

    def project(self, project_id: str) -> ProjectResult:
        for result in self.projects:
            if result.id == project_id:
                return result
        raise KeyError(project_id)
