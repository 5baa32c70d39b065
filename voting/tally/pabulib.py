"""Reading and writing the pabulib ``.pb`` format (pabulib.org), without pabutools.

A file has three sections, META, PROJECTS and VOTES, each a ``;``-separated table with a
header row. Fields may be quoted (names often contain ``;``), files may start with a BOM
and use ``\\r\\n``; the csv module handles all of it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

from .domain import Ballots, Project

_SECTIONS = ("meta", "projects", "votes")
_APPROVAL_TYPES = ("approval", "choose-1")
_POINT_TYPES = ("cumulative", "scoring")


class InstanceLike(Protocol):
    meta: Mapping[str, str]
    projects: Mapping[str, Mapping[str, str]]
    votes: Mapping[str, Mapping[str, str]]


@dataclass
class PabulibInstance:
    meta: dict[str, str] = field(default_factory=dict)
    projects: dict[str, dict[str, str]] = field(default_factory=dict)  # project_id -> all columns
    votes: dict[str, dict[str, str]] = field(default_factory=dict)  # voter_id -> all columns

    @property
    def budget(self) -> int:
        return _whole_number(self.meta["budget"], "budget")

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval").strip().lower()

    def project_list(self) -> list[Project]:
        return [Project(pid, _whole_number(row["cost"], f"cost of project {pid}")) for pid, row in self.projects.items()]

    def to_ballots(self) -> Ballots:
        vote_type = self.vote_type
        if vote_type in _APPROVAL_TYPES:
            return Ballots(kind="approval", items=[_ids(row.get("vote", "")) for row in self.votes.values()])
        if vote_type == "ordinal":
            items = [_ids(row.get("vote", "")) for row in self.votes.values()]
            max_length = self.meta.get("max_length")
            max_rank = int(max_length) if max_length else max((len(i) for i in items), default=1)
            return Ballots(kind="ranked", items=items, max_rank=max(max_rank, 1))
        if vote_type in _POINT_TYPES:
            return Ballots(kind="cumulative", items=[_points(voter, row) for voter, row in self.votes.items()])
        raise ValueError(f"unsupported pabulib vote_type {vote_type!r}")

    @classmethod
    def from_tally_inputs(
        cls,
        *,
        projects: Iterable[Project],
        ballots: Ballots,
        budget: int,
        meta: Mapping[str, str] | None = None,
        project_columns: Mapping[str, Mapping[str, str]] | None = None,
    ) -> PabulibInstance:
        """Build an instance (e.g. for the open-data export) from what the tally consumes."""
        project_columns = project_columns or {}
        instance = cls(meta=dict(meta or {}))
        instance.meta["budget"] = str(budget)
        instance.meta["vote_type"] = {"approval": "approval", "knapsack": "approval", "ranked": "ordinal"}.get(
            ballots.kind, "cumulative"
        )
        if ballots.kind == "ranked":
            instance.meta["max_length"] = str(ballots.effective_max_rank())
        for project in projects:
            instance.projects[project.id] = {
                "project_id": project.id,
                "cost": str(project.cost),
                **dict(project_columns.get(project.id, {})),
            }
        for number, item in enumerate(ballots.one_per_voter(), start=1):
            row = {"voter_id": str(number)}
            if ballots.kind == "cumulative":
                given = [(pid, pts) for pid, pts in item.items() if pts]
                row["vote"] = ",".join(pid for pid, _ in given)
                row["points"] = ",".join(str(pts) for _, pts in given)
            else:
                row["vote"] = ",".join(item)
            instance.votes[row["voter_id"]] = row
        return instance


def parse_pabulib(source: str | Path) -> PabulibInstance:
    """Parse a ``.pb`` file, given as a path or as the text itself."""
    text = _read(source)
    instance = PabulibInstance()
    section, header = "", []
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=";"):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        first = row[0].strip().lower()
        if first in _SECTIONS and len(row) == 1:
            section, header = first, []
            continue
        if not header:
            header = [h.strip() for h in row]
            continue
        values = {key: value.strip() for key, value in zip(header, row, strict=False)}
        if section == "meta":
            instance.meta[row[0].strip()] = row[1].strip() if len(row) > 1 else ""
        elif section == "projects":
            instance.projects[values[header[0]]] = values
        elif section == "votes":
            instance.votes[values[header[0]]] = values
        else:
            raise ValueError("pabulib data before any META/PROJECTS/VOTES section")
    if "budget" not in instance.meta:
        raise ValueError("pabulib file has no budget in META")
    return instance


def write_pabulib(instance: InstanceLike, path: str | Path) -> None:
    """Write a ``.pb`` file that pabutools (and this module) read back to the same instance."""
    meta = dict(instance.meta)
    meta["num_projects"] = str(len(instance.projects))
    meta["num_votes"] = str(len(instance.votes))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    writer.writerows([key, _one_line(value)] for key, value in meta.items())
    _write_table(writer, "PROJECTS", "project_id", instance.projects)
    _write_table(writer, "VOTES", "voter_id", instance.votes)
    Path(path).write_text(out.getvalue(), encoding="utf-8")


def _write_table(writer: Any, name: str, key: str, rows: Mapping[str, Mapping[str, str]]) -> None:
    columns = [key]
    for row in rows.values():
        columns.extend(c for c in row if c not in columns)
    writer.writerow([name])
    writer.writerow(columns)
    for row_key, row in rows.items():
        writer.writerow([_one_line(row_key if c == key else row.get(c, "")) for c in columns])


def _one_line(value: Any) -> str:
    # pabutools splits the file into lines before the csv reader sees it, so a newline
    # inside a quoted field would break it: keep every value on one line.
    return " ".join(str(value).splitlines())


def _read(source: str | Path) -> str:
    if isinstance(source, Path) or ("\n" not in source and Path(source).is_file()):
        return Path(source).read_text(encoding="utf-8-sig")
    return source.removeprefix("\ufeff")


def _ids(vote: str) -> tuple[str, ...]:
    return tuple(pid.strip() for pid in vote.split(",") if pid.strip())


def _points(voter: str, row: Mapping[str, str]) -> dict[str, int]:
    ids = _ids(row.get("vote", ""))
    points = [p.strip() for p in row.get("points", "").split(",") if p.strip()]
    if len(points) != len(ids):
        raise ValueError(f"voter {voter}: {len(ids)} projects but {len(points)} points")
    return {pid: _whole_number(pts, f"points of voter {voter}") for pid, pts in zip(ids, points, strict=True)}


def _whole_number(value: str, what: str) -> int:
    try:
        number = Decimal(value.strip().replace(",", "."))
    except InvalidOperation as error:
        raise ValueError(f"{what}: {value!r} is not a number") from error
    if number != number.to_integral_value():
        raise ValueError(f"{what}: {value!r} is not a whole number")
    return int(number)
