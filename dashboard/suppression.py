"""Small-cell suppression for turnout tables. Pure code, no Django.

A count under 10 people is never shown (primary suppression). A hidden cell must not be
recoverable by subtraction either: whenever a row or a column (its total included) has
exactly one hidden number, a second one is hidden too (secondary suppression), and this is
repeated until every line is safe. Totals shared between tables (the same people split by
gender and by age band) are hidden together, so one table cannot undo the other.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

THRESHOLD = 10
BELOW = "<10"
HIDDEN = "≥10"  # hidden only so that a smaller cell next to it cannot be worked out


@dataclass(frozen=True)
class Cell:
    value: int
    shown: bool

    @property
    def display(self) -> str:
        if self.shown:
            return f"{self.value:,}".replace(",", ".")
        return BELOW if self.value < THRESHOLD else HIDDEN

    def __str__(self) -> str:
        return self.display


@dataclass
class Table:
    """Counts by (row, column) with row totals, column totals and a grand total, all as Cells."""

    rows: list[Hashable]
    columns: list[Hashable]
    cells: dict[tuple[Hashable, Hashable], Cell] = field(default_factory=dict)
    row_totals: dict[Hashable, Cell] = field(default_factory=dict)
    column_totals: dict[Hashable, Cell] = field(default_factory=dict)
    total: Cell = field(default_factory=lambda: Cell(0, False))

    def cell(self, row: Hashable, column: Hashable) -> Cell:
        return self.cells[(row, column)]

    def all_cells(self) -> list[Cell]:
        return [*self.cells.values(), *self.row_totals.values(), *self.column_totals.values(), self.total]


def _line_fix(keys: Sequence, margin, values: dict, hidden: set, lines_of: dict, lines: list) -> bool:
    """Hide one more number in a line that has exactly one hidden number. True if it changed.

    The number chosen is the one that costs readers least: an inner cell before a total (a
    city total in the thousands stays readable), then one that also closes another line left
    with a single hidden number (one cell instead of two), then the smallest."""
    if sum(1 for k in (*keys, margin) if k in hidden) != 1:
        return False
    candidates = [k for k in keys if k not in hidden]
    if not candidates:
        hidden.add(margin)
        return True

    def closes(key) -> int:
        return sum(1 for index in lines_of.get(key, ())
                   if sum(1 for k in (*lines[index][0], lines[index][1]) if k in hidden) == 1)

    hidden.add(min(candidates, key=lambda k: (k[0] != "cell", -closes(k), values[k], str(k))))
    return True


def suppress_tables(
    tables: Sequence[dict[tuple[Hashable, Hashable], int]],
    rows: Sequence[Hashable],
    columns: Sequence[Sequence[Hashable]],
    *,
    shared_row_totals: bool = False,
) -> list[Table]:
    """Suppress several tables over the same rows at once.

    `tables[i]` maps (row, column) to a count; `columns[i]` lists table i's columns. With
    `shared_row_totals`, the row totals and the grand total are the same people in every
    table (one population split different ways) and are hidden together.
    """
    values: dict = {}
    lines: list[tuple[list, object]] = []
    for index, counts in enumerate(tables):
        cols = list(columns[index])
        prefix = "shared" if shared_row_totals else index
        for r in rows:
            for c in cols:
                values[("cell", index, r, c)] = int(counts.get((r, c), 0))
        for r in rows:
            values[("row", prefix, r)] = sum(values[("cell", index, r, c)] for c in cols)
        for c in cols:
            values[("col", index, c)] = sum(values[("cell", index, r, c)] for r in rows)
        values[("total", prefix)] = sum(values[("row", prefix, r)] for r in rows)
        for r in rows:
            lines.append(([("cell", index, r, c) for c in cols], ("row", prefix, r)))
        for c in cols:
            lines.append(([("cell", index, r, c) for r in rows], ("col", index, c)))
        lines.append(([("row", prefix, r) for r in rows], ("total", prefix)))
        lines.append(([("col", index, c) for c in cols], ("total", prefix)))

    lines_of: dict = {}
    for index, (keys, margin) in enumerate(lines):
        for key in (*keys, margin):
            lines_of.setdefault(key, []).append(index)
    hidden = {key for key, value in values.items() if value < THRESHOLD}
    changed = True
    while changed:
        changed = False
        for keys, margin in lines:
            if _line_fix(keys, margin, values, hidden, lines_of, lines):
                changed = True

    def cell(key) -> Cell:
        return Cell(values[key], key not in hidden)

    result = []
    for index, _counts in enumerate(tables):
        cols = list(columns[index])
        prefix = "shared" if shared_row_totals else index
        result.append(Table(
            rows=list(rows), columns=cols,
            cells={(r, c): cell(("cell", index, r, c)) for r in rows for c in cols},
            row_totals={r: cell(("row", prefix, r)) for r in rows},
            column_totals={c: cell(("col", index, c)) for c in cols},
            total=cell(("total", prefix)),
        ))
    return result


def suppress_table(counts: dict[tuple[Hashable, Hashable], int], rows: Sequence[Hashable],
                   columns: Sequence[Hashable]) -> Table:
    return suppress_tables([counts], rows, [columns])[0]


def suppress_counts(counts: dict[Hashable, int], keys: Iterable[Hashable]) -> Table:
    """A single line (e.g. online and paper ballots of one area) with its total."""
    keys = list(keys)
    return suppress_table({("all", k): v for k, v in counts.items()}, ["all"], keys)
