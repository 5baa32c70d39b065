"""CSV exports cannot run a formula in the spreadsheet of the official who opens them (OWASP
"CSV injection"), while the JSON and the .pb files say exactly what was proposed."""

import csv
import io
import json

import pytest
from django.urls import reverse

from dashboard.exports import turnout_csv
from dashboard.suppression import suppress_table
from proposals.csvsafe import csv_cell
from voting.tally.pabulib import parse_pabulib

from .conftest import GUNUNG_BAHAGIA, build_round, publish_built

pytestmark = pytest.mark.django_db
HYPERLINK = '=HYPERLINK("http://x")'


@pytest.mark.parametrize(("value", "written"), [
    (HYPERLINK, "'" + HYPERLINK), ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"), ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    # what is not a formula stays as it is
    ("Semenisasi gang", "Semenisasi gang"), ("", ""), ("64.71.05.1006", "64.71.05.1006"), ("a=b", "a=b"),
    ("-1.24", "-1.24"), ("+62812555", "+62812555"), ("-5", "-5"), ("<10", "<10"),
    (450_000_000, 450_000_000), (-3, -3), (1.5, 1.5), (0, 0), (None, None),
])
def test_csv_cell(value, written):
    assert csv_cell(value) == written


def test_a_formula_title_is_neutralised_in_the_csv_and_kept_in_json_and_pb(client, tmp_path):
    built = build_round(slug="ap-formula", publish=False)
    proposal = built.proposals[0]
    proposal.title = HYPERLINK
    proposal.save(update_fields=["title"])
    publish_built(built)  # the downloads are frozen at publication
    area_csv = client.get(reverse("dashboard:area_csv", args=["ap-formula", GUNUNG_BAHAGIA])).content.decode()
    round_csv = client.get(reverse("dashboard:round_csv", args=["ap-formula"])).content.decode()
    for text in (area_csv, round_csv):
        rows = list(csv.DictReader(io.StringIO(text)))
        row = next(r for r in rows if r["project_id"] == str(proposal.pk))
        assert row["title"] == "'" + HYPERLINK
        # numbers stay numbers
        line = next(p for p in built.snapshot.result["projects"] if str(p["id"]) == str(proposal.pk))
        assert row["cost"] == str(line["cost"]) and row["votes"] == str(line["votes"])
        assert all(not value.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for value in r.values())
    data = json.loads(client.get(reverse("dashboard:area_json", args=["ap-formula", GUNUNG_BAHAGIA])).content)
    assert next(p for p in data["areas"][0]["projects"] if p["project_id"] == str(proposal.pk))["title"] == HYPERLINK
    pb = tmp_path / "hasil.pb"
    pb.write_bytes(client.get(reverse("dashboard:area_pb", args=["ap-formula", GUNUNG_BAHAGIA])).content)
    assert parse_pabulib(pb).projects[str(proposal.pk)]["name"] == HYPERLINK


def test_the_turnout_csv_neutralises_a_kecamatan_name():
    table = suppress_table({("64.71.05", "L"): 25}, ["64.71.05"], ["L"])
    text = turnout_csv({"gender": table}, {"64.71.05": "=cmd()"})
    assert "'=cmd()" in text and ",=cmd()" not in text
