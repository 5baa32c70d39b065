"""Real elections from pabulib: the same winners as pabutools and as the cities' official results."""

from __future__ import annotations

from fractions import Fraction
from functools import cache
from pathlib import Path

import pytest
from pabutools.election import parse_pabulib as pabutools_parse

from voting.tally import PabulibInstance, TallyResult, parse_pabulib, tally
from voting.tally.mes import MesProfile, mes_once
from voting.tally.reference import reference_mes

from .pabutools_bridge import pabutools_greedy, pabutools_mes, pabutools_mes_from

DATA = Path(__file__).resolve().parents[3] / "../shared/data/pabulib"
CITY_SCALE = {"Poland_Warszawa_2026.pb", "Poland_Lodz_2022.pb"}
ALL_FILES = sorted(p.name for p in DATA.glob("*.pb"))
SMALL_FILES = [f for f in ALL_FILES if f not in CITY_SCALE]
# pabutools' add1 loop on Brodno takes ~20 s (261 runs of MES); there we check the first
# and the last step against pabutools instead of the whole loop.
LONG_ADD1 = {"Poland_Warszawa_2017_Brodno.pb"}


@cache
def ours(name: str) -> PabulibInstance:
    return parse_pabulib(DATA / name)


@cache
def theirs(name: str):
    instance, profile = pabutools_parse(str(DATA / name))
    if profile.__class__.__name__.startswith("Ordinal"):
        profile.max_rank = ours(name).to_ballots().effective_max_rank()
        return instance, profile
    return instance, profile.as_multiprofile() if hasattr(profile, "as_multiprofile") else profile


@cache
def our_tally(name: str, rule: str, add1_stop: str = "exhaustive") -> TallyResult:
    instance = ours(name)
    return tally(
        rule=rule, budget=instance.budget, projects=instance.project_list(), ballots=instance.to_ballots(), add1_stop=add1_stop
    )


def supporters(result: TallyResult) -> dict[str, int]:
    return {p.id: p.supporters for p in result.projects}


def is_approval(name: str) -> bool:
    return ours(name).vote_type == "approval"


def test_data_directory_has_the_documented_files() -> None:
    assert {"tiny_example.pb", "Poland_Wieliczka_2023_Green_Budget.pb", *CITY_SCALE} <= set(ALL_FILES)


@pytest.mark.parametrize("name", SMALL_FILES)
def test_greedy_matches_pabutools(name: str) -> None:
    result = our_tally(name, "greedy")
    instance, profile = theirs(name)
    assert set(result.selected) == pabutools_greedy(instance, profile, supporters(result))
    assert result.budget_used <= result.budget


@pytest.mark.parametrize("name", [f for f in SMALL_FILES if f not in LONG_ADD1 and is_approval(f)])
def test_mes_add1_matches_pabutools(name: str) -> None:
    result = our_tally(name, "mes")
    instance, profile = theirs(name)
    assert set(result.selected) == pabutools_mes(instance, profile, supporters(result))
    assert result.budget_used <= result.budget


@pytest.mark.parametrize("name", sorted(LONG_ADD1))
def test_mes_add1_first_and_last_step_match_pabutools(name: str) -> None:
    result = our_tally(name, "mes")
    instance, profile = theirs(name)
    sup = supporters(result)
    assert set(our_tally(name, "mes").selected)  # sanity: something is funded
    fair_share = Fraction(result.budget, result.voters)
    first_ours = _our_single_run(name, fair_share)
    assert first_ours == pabutools_mes(instance, profile, sup, add1=False)
    # pabutools started one rupiah below our final voter budget must end where we ended.
    increments = result.params["add1_increments"]
    assert increments >= 1
    assert set(result.selected) == pabutools_mes_from(instance, profile, sup, fair_share + increments - 1, add1=True)


def _our_single_run(name: str, voter_budget: Fraction) -> set[str]:
    instance = ours(name)
    projects = instance.project_list()
    index = {p.id: j for j, p in enumerate(projects)}
    profile = MesProfile.build([p.cost for p in projects], [[index[i] for i in s] for s in instance.to_ballots().approval_sets()])
    run = mes_once(profile, instance.budget, voter_budget, lambda j: (projects[j].cost, -profile.approval_count[j], projects[j].id))
    return {projects[j].id for j in run.selected}


def official_cases() -> list[tuple[str, str, str]]:
    cases = []
    for name in ALL_FILES:
        instance = ours(name)
        has_selected = any("selected" in row for row in instance.projects.values())
        rule = instance.meta.get("rule", "")
        if not has_selected:
            continue
        if rule == "greedy":
            cases.append((name, "greedy", "exhaustive"))
        elif rule.startswith("equalshares"):
            # Wieliczka counted add1 until the next step would overspend, not to the first exhaustive outcome.
            stop = "infeasible" if "Wieliczka" in name else "exhaustive"
            cases.append((name, "mes", stop))
    return cases


@pytest.mark.parametrize(("name", "rule", "add1_stop"), official_cases())
def test_reproduces_the_official_result(name: str, rule: str, add1_stop: str) -> None:
    official = {pid for pid, row in ours(name).projects.items() if row["selected"].strip() == "1"}
    assert set(our_tally(name, rule, add1_stop).selected) == official


def test_official_cases_cover_every_ballot_kind_and_rule() -> None:
    covered = {(ours(name).vote_type, rule, stop) for name, rule, stop in official_cases()}
    assert {("approval", "greedy", "exhaustive"), ("ordinal", "greedy", "exhaustive"), ("cumulative", "greedy", "exhaustive"),
            ("approval", "mes", "exhaustive"), ("approval", "mes", "infeasible")} <= covered


def test_wieliczka_needs_the_infeasible_stop() -> None:
    name = "Poland_Wieliczka_2023_Green_Budget.pb"
    official = {pid for pid, row in ours(name).projects.items() if row["selected"] == "1"}
    assert set(our_tally(name, "mes", "exhaustive").selected) != official


# --- city scale: pabutools needs minutes here, so the slow exact reference stands in -----------


def _mes_inputs(name: str):
    instance = ours(name)
    projects = instance.project_list()
    index = {p.id: j for j, p in enumerate(projects)}
    sets = [[index[i] for i in s] for s in instance.to_ballots().approval_sets()]
    return projects, sets


@pytest.mark.parametrize("name", sorted(CITY_SCALE))
def test_city_scale_plain_mes_matches_the_exact_reference(name: str) -> None:
    projects, sets = _mes_inputs(name)
    profile = MesProfile.build([p.cost for p in projects], sets)

    def key(j: int) -> tuple:
        return (projects[j].cost, -profile.approval_count[j], projects[j].id)

    fair_share = Fraction(ours(name).budget, len(sets))
    reference = reference_mes([p.cost for p in projects], sets, fair_share, key)
    # Both paths of the engine: floats with an exact fallback, and exact decisions throughout.
    for exact in (False, True):
        run = mes_once(profile, ours(name).budget, fair_share, key, exact=exact)
        assert run.selected == reference
        assert run.cost(profile.costs) <= ours(name).budget


# The reference at the final voter budget takes ~13 s on Warszawa: Lodz stands for both.
@pytest.mark.parametrize("name", ["Poland_Lodz_2022.pb"])
def test_city_scale_mes_add1_matches_the_exact_reference(name: str) -> None:
    projects, sets = _mes_inputs(name)
    result = our_tally(name, "mes")
    sup = supporters(result)

    def key(j: int) -> tuple:
        return (projects[j].cost, -sup[projects[j].id], projects[j].id)

    # The add1 outcome is one MES run at the final voter budget: the reference must agree.
    final_budget = Fraction(result.params["voter_budget"])
    reference = reference_mes([p.cost for p in projects], sets, final_budget, key)
    assert result.selected == [projects[j].id for j in reference]
    # And the loop stopped where pabutools stops: within the budget, and either nothing more
    # fits or one more rupiah per voter would overspend.
    assert result.budget_used <= result.budget
    unselected = [p for p in projects if p.id not in set(result.selected) and sup[p.id] > 0]
    if any(result.budget_used + p.cost <= result.budget for p in unselected):
        next_step = _our_single_run(name, final_budget + 1)
        assert sum(p.cost for p in projects if p.id in next_step) > result.budget


@pytest.mark.parametrize("name", sorted(CITY_SCALE))
def test_city_scale_greedy_is_votes_order_skipping_what_does_not_fit(name: str) -> None:
    instance = ours(name)
    votes = {pid: 0 for pid in instance.projects}
    for row in instance.votes.values():
        for pid in {v for v in row["vote"].split(",") if v}:
            votes[pid] += 1
    left, expected = instance.budget, []
    for project in sorted(instance.project_list(), key=lambda p: (-votes[p.id], p.cost, p.id)):
        if project.cost <= left:
            expected.append(project.id)
            left -= project.cost
    assert our_tally(name, "greedy").selected == expected
