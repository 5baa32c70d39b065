"""import_pabulib -> tally -> export_pabulib against the official results of real cities."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from voting.tally import parse_pabulib

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "pabulib"
if not DATA.is_dir():
    DATA = Path("/work/shared/data/pabulib")

pytestmark = pytest.mark.django_db


def official(name: str) -> set[str]:
    instance = parse_pabulib(DATA / name)
    return {pid for pid, row in instance.projects.items() if row.get("selected", "0").strip() == "1"}


def run(name: str, rule: str, tmp_path, *flags) -> tuple[str, dict]:
    out = StringIO()
    call_command("import_pabulib", str(DATA / name), *flags, stdout=out)
    slug = out.getvalue().strip()
    target = tmp_path / f"{slug}.json"
    call_command("tally", slug, "--rule", rule, "--sync", "--json", str(target), stderr=StringIO())
    return slug, json.loads(target.read_text())


def test_swiecie_mes_reproduces_the_official_winners_in_the_spec_shape(tmp_path):
    slug, data = run("Poland_Swiecie_2023.pb", "mes", tmp_path)
    assert set(data) == {"round", "rule", "areas"} and data["round"] == slug and data["rule"] == "mes"
    (area,) = data["areas"]
    assert set(area) == {"area", "budget", "selected", "projects", "input_hash"}
    assert area["budget"] == 1_070_000 and isinstance(area["budget"], int)
    assert len(area["input_hash"]) == 64
    for project in area["projects"]:
        assert set(project) == {"id", "cost", "votes", "selected", "reason_id", "reason_en"}
        assert isinstance(project["id"], str) and isinstance(project["cost"], int) and isinstance(project["selected"], bool)
        assert project["reason_id"].startswith("Didanai" if project["selected"] else "Tidak didanai")
        assert project["reason_en"].startswith("Funded" if project["selected"] else "Not funded")
    assert set(area["selected"]) == official("Poland_Swiecie_2023.pb")
    assert {p["id"] for p in area["projects"] if p["selected"]} == set(area["selected"])


def test_tally_reports_mes_runs_and_seconds_per_area(tmp_path):
    from voting.models import ResultSnapshot

    out = StringIO()
    call_command("import_pabulib", str(DATA / "Poland_Swiecie_2023.pb"), stdout=out)
    slug = out.getvalue().strip()
    printed = StringIO()
    call_command("tally", slug, "--rule", "mes", "--sync", stderr=printed)
    snapshot = ResultSnapshot.objects.get(round__slug=slug, rule="mes")
    runs = snapshot.result["params"]["add1_runs"]
    assert snapshot.stats["mes_runs"] == runs >= 1 and snapshot.stats["seconds"] >= 0
    assert f"({runs} MES runs, " in printed.getvalue()
    assert f"1 areas: {runs} MES runs, " in printed.getvalue()


def test_round_slug_option_and_printed_slug(tmp_path):
    out = StringIO()
    call_command("import_pabulib", str(DATA / "tiny_example.pb"), "--round", "contoh-kecil", stdout=out)
    assert out.getvalue().strip() == "contoh-kecil"


@pytest.mark.parametrize(
    "name",
    ["Poland_Warszawa_2017_Brodno.pb", "Poland_Krakow_2019_Bienczyce.pb", "Poland_Czestochowa_2024_Bleszno.pb"],
)
def test_greedy_official_results(name, tmp_path):
    _slug, data = run(name, "greedy", tmp_path)
    assert set(data["areas"][0]["selected"]) == official(name)


def test_wieliczka_mes_with_add1_until_infeasible(tmp_path):
    from rounds.models import Round

    name = "Poland_Wieliczka_2023_Green_Budget.pb"
    slug, data = run(name, "mes", tmp_path, "--add1-stop", "infeasible")
    assert Round.objects.get(slug=slug).add1_stop == "infeasible"
    assert set(data["areas"][0]["selected"]) == official(name)
    # The round setting is what makes the difference: pabutools' stop gives another outcome.
    slug, data = run(name, "mes", tmp_path)
    assert Round.objects.get(slug=slug).add1_stop == "exhaustive"
    assert set(data["areas"][0]["selected"]) != official(name)


def test_export_parses_with_pabutools_and_recounts_to_the_same_winners(tmp_path):
    from pabutools.election import Cost_Sat
    from pabutools.election import parse_pabulib as pabutools_parse
    from pabutools.rules import method_of_equal_shares

    from voting.models import Ballot

    slug, data = run("Poland_Swiecie_2023.pb", "mes", tmp_path)
    target = tmp_path / "export.pb"
    call_command("export_pabulib", slug, str(target), stderr=StringIO())
    text = target.read_text()
    instance, profile = pabutools_parse(str(target))
    assert len(profile) == Ballot.objects.filter(round__slug=slug).count()
    codes = set(Ballot.objects.filter(round__slug=slug).values_list("receipt_code", flat=True))
    ours = parse_pabulib(target)
    assert set(ours.votes) == codes  # voter ids are receipt codes, nothing else
    assert text.split("VOTES\n", 1)[1].splitlines()[0] == "voter_id;vote"  # no personal column
    winners = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=1)
    assert {p.name for p in winners} == set(data["areas"][0]["selected"])


def test_export_of_a_round_with_several_areas_needs_an_area(tmp_path):
    from django.core.management.base import CommandError

    from .conftest import make_round

    round_ = make_round()
    with pytest.raises(CommandError, match="--area"):
        call_command("export_pabulib", round_.slug, str(tmp_path / "x.pb"))
    call_command("export_pabulib", round_.slug, str(tmp_path / "x.pb"), "--area", round_.test_areas["kel"].code, stderr=StringIO())
    assert "PROJECTS" in (tmp_path / "x.pb").read_text()


@pytest.mark.parametrize(
    ("name", "rules"),
    [
        ("Poland_Warszawa_2017_Brodno.pb", ["greedy"]),
        ("Poland_Krakow_2019_Bienczyce.pb", ["greedy", "borda"]),
        ("Poland_Czestochowa_2024_Bleszno.pb", ["greedy"]),
    ],
)
def test_totals_counted_by_postgresql_give_the_engines_result(name, rules):
    """Greedy and Borda read totals that PostgreSQL counts; every ballot through the engine agrees."""
    from rounds.models import Round
    from voting import selectors, services
    from voting.tally import Project, tally

    out = StringIO()
    call_command("import_pabulib", str(DATA / name), stdout=out)
    round_ = Round.objects.get(slug=out.getvalue().strip())
    area = round_.areas.get()
    projects = [Project(pid, cost) for pid, cost in sorted(selectors.ballot_project_costs(area).items())]
    ballots = services.area_ballots(round=round_, area=area)
    assert len(ballots.items) == len(parse_pabulib(DATA / name).votes)
    for rule in rules:
        snapshot = services.area_tally(round=round_, area=area, rule=rule)
        engine = tally(rule=rule, budget=area.budget, projects=projects, ballots=ballots).to_dict()
        assert snapshot.result == engine
        assert snapshot.voters == len(ballots.items)
