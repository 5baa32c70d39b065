"""Small-cell suppression: no count under 10 people is shown, and none can be worked out from totals."""

import csv
import io
import random

import pytest
from django.urls import reverse

from dashboard.suppression import BELOW, HIDDEN, suppress_counts, suppress_table, suppress_tables
from voting.models import Channel, Participation

from .conftest import build_round


def _lines(table):
    """Every row and column with its total: (cells, total)."""
    lines = [([table.cell(r, c) for c in table.columns], table.row_totals[r]) for r in table.rows]
    lines += [([table.cell(r, c) for r in table.rows], table.column_totals[c]) for c in table.columns]
    lines.append(([table.row_totals[r] for r in table.rows], table.total))
    lines.append(([table.column_totals[c] for c in table.columns], table.total))
    return lines


def assert_safe(table):
    for cell in table.all_cells():
        assert cell.shown == (cell.display not in (BELOW, HIDDEN))
        if cell.value < 10:
            assert not cell.shown and cell.display == BELOW
    for cells, total in _lines(table):
        hidden = [c for c in [*cells, total] if not c.shown]
        assert len(hidden) != 1, "a single hidden number in a line is recoverable by subtraction"


def test_a_cell_under_ten_is_shown_as_below_ten():
    table = suppress_counts({"online": 250, "paper": 3}, ["online", "paper"])
    assert table.column_totals["paper"].display == "<10"
    # the total (public elsewhere) stays, so online must go too or paper = total - online
    assert table.total.display == "253"
    assert table.column_totals["online"].display == HIDDEN
    assert_safe(table)


def test_nothing_is_hidden_when_every_cell_is_ten_or_more():
    table = suppress_table({("a", "L"): 10, ("a", "P"): 12, ("b", "L"): 30, ("b", "P"): 44}, ["a", "b"], ["L", "P"])
    assert all(cell.shown for cell in table.all_cells())


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_never_leak_a_small_cell(seed):
    rng = random.Random(seed)
    rows = list(range(rng.randint(1, 7)))
    columns = list("abcdef"[: rng.randint(1, 6)])
    counts = {(r, c): rng.choice([0, 1, 3, 7, 9, 10, 11, 25, 80, 300]) for r in rows for c in columns}
    assert_safe(suppress_table(counts, rows, columns))


@pytest.mark.parametrize("seed", range(20))
def test_tables_sharing_totals_are_suppressed_together(seed):
    rng = random.Random(seed)
    rows = list(range(4))
    people = {(r, g, a): rng.choice([0, 2, 5, 12, 40]) for r in rows for g in "LP" for a in "xyz"}
    by_gender, by_age = {}, {}
    for (r, g, a), n in people.items():
        by_gender[(r, g)] = by_gender.get((r, g), 0) + n
        by_age[(r, a)] = by_age.get((r, a), 0) + n
    gender, age = suppress_tables([by_gender, by_age], rows, [["L", "P"], list("xyz")], shared_row_totals=True)
    assert_safe(gender)
    assert_safe(age)
    for r in rows:
        assert gender.row_totals[r].shown == age.row_totals[r].shown
    assert gender.total.shown == age.total.shown


def _turnout_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.django_db
def test_pages_and_exports_show_no_cell_under_ten(client, council_user):
    built = build_round(slug="ap-cells", voters=57)
    # a handful of paper voters in another kecamatan: every such cell is small
    for n in range(4):
        Participation.objects.create(round=built.round, area=built.other_area, nik_hash=f"x{n}".ljust(64, "1"),
                                     channel=Channel.PAPER, gender="P", age_band="55+", kecamatan_id="64.71.03")
    client.force_login(council_user)
    rows = _turnout_rows(client.get(reverse("dashboard:council_turnout_csv") + "?putaran=ap-cells").content.decode())
    assert rows
    for row in rows:
        value = row["count"]
        assert value in (BELOW, HIDDEN) or int(value.replace(".", "")) >= 10, row
    assert any(row["count"] == BELOW for row in rows)

    html = client.get(reverse("dashboard:council") + "?putaran=ap-cells").content.decode()
    import re

    for table in re.findall(r"<table class=\"table table-sm table-bordered\">.*?</table>", html, flags=re.S):
        for value in re.findall(r"<td class=\"text-end[^\"]*\">([^<]*)</td>", table):
            assert value in ("&lt;10", "≥10") or int(value.replace(".", "")) >= 10, value

    area_page = client.get(reverse("dashboard:area_results", args=["ap-cells", built.area.code])).content.decode()
    paper = Participation.objects.filter(area=built.area, channel=Channel.PAPER).count()
    assert paper < 10
    assert "&lt;10" in area_page
    import json

    data = json.loads(client.get(reverse("dashboard:area_json", args=["ap-cells", built.area.code])).content)
    channels = data["areas"][0]["ballots_by_channel"]
    assert channels["paper"] == BELOW and channels["online"] == HIDDEN and channels["total"] == "57"
