"""The add1 completion jumps; the outcome must be exactly that of one-rupiah steps.

References: our own stepping (voting.tally.reference.stepping_add1, exact Fractions, one MES
run per rupiah) and pabutools (`voter_budget_increment=1`; for the "infeasible" stop, which
pabutools does not offer, a loop in this file over pabutools' single MES runs, one rupiah at a
time). The instances are small but their budgets are large, so that stepping needs thousands of
one-rupiah steps.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from gmpy2 import mpq
from hypothesis import given, settings, target
from hypothesis import strategies as st
from pabutools.election import Cost_Sat
from pabutools.rules.mes.mes_rule import method_of_equal_shares_scheme

from tests.hypothesis_examples import examples
from voting.tally import Ballots, Project, tally
from voting.tally.engine import mes_line, tie_key
from voting.tally.mes import MesOutcome, MesProfile, MesRun, method_of_equal_shares
from voting.tally.reference import reference_mes_run, stepping_add1

from .pabutools_bridge import build, our_tie_breaking, pabutools_mes

IDS = ["1", "10", "2", "23", "3", "7", "9", "90"]
STOPS = ("exhaustive", "infeasible")


@st.composite
def rupiah_elections(draw, max_projects: int = 5, max_voters: int = 8, max_scale: int = 300):
    """Few voters and projects, costs and budget in the thousands of rupiah: a small election
    scaled by 50 to 300 (plus a remainder, so nothing divides evenly). Where the add1 loop runs
    at all it runs for hundreds to thousands of one-rupiah steps; `target` steers the search
    towards the longest loops."""
    scale = draw(st.integers(50, max_scale))
    count = draw(st.integers(1, max_projects))
    projects = [Project(IDS[i], draw(st.integers(1, 60)) * scale + draw(st.integers(0, scale - 1))) for i in range(count)]
    ids = [p.id for p in projects]
    voters = draw(st.integers(1, max_voters))
    items = [tuple(draw(st.lists(st.sampled_from(ids), unique=True, max_size=count))) for _ in range(voters)]
    budget = draw(st.integers(1, 200)) * scale + draw(st.integers(0, scale - 1))
    return projects, Ballots(kind="approval", items=items), budget


def _profile(projects: list[Project], ballots: Ballots):
    index = {p.id: j for j, p in enumerate(projects)}
    sets = [[index[i] for i in s] for s in ballots.approval_sets()]
    profile = MesProfile.build([p.cost for p in projects], sets)
    return profile, sets, (lambda j: tie_key(projects[j], profile.approval_count[j]))


def _stepped_outcome(projects, ballots, budget, add1_stop) -> MesOutcome:
    """The reference: one exact MES run per rupiah, as an outcome the engine can explain."""
    profile, sets, key = _profile(projects, ballots)
    costs = [p.cost for p in projects]
    voter_budget, selected, prices, left, increments = stepping_add1(costs, sets, budget, key, add1_stop)
    fair_share = Fraction(budget, len(sets))
    first_selected, first_prices, first_left = reference_mes_run(costs, sets, fair_share, key)
    return MesOutcome(
        final=MesRun(voter_budget=voter_budget, selected=selected, price=prices, left=left),
        first=MesRun(voter_budget=fair_share, selected=first_selected, price=first_prices, left=first_left),
        increments=increments,
        runs=increments + 1,
    )


def _explained(projects, budget, profile, outcome: MesOutcome) -> list[tuple[bool, str, str]]:
    return [mes_line(j, p, budget, profile, outcome) for j, p in enumerate(projects)]


PROOFS = ("interval", "parametric")


def assert_jumps_equal_steps(projects, ballots, budget, add1_stop, proof="parametric") -> MesOutcome:
    """The engine's outcome, with stretches proven as ``proof`` says, is stepping's to the rupiah."""
    profile, _sets, key = _profile(projects, ballots)
    jumped = method_of_equal_shares(profile, budget, key, add1_stop=add1_stop, proof=proof)
    stepped = _stepped_outcome(projects, ballots, budget, add1_stop)
    assert jumped.final.selected == stepped.final.selected
    assert jumped.final.voter_budget == stepped.final.voter_budget
    assert jumped.increments == stepped.increments
    assert jumped.final.price == stepped.final.price
    assert jumped.first.selected == stepped.first.selected
    assert _explained(projects, budget, profile, jumped) == _explained(projects, budget, profile, stepped)
    if proof == "parametric":
        assert jumped.runs <= stepped.runs + 1
    return jumped


def pabutools_stepping(projects, ballots, budget, add1_stop) -> tuple[set[str], Fraction]:
    """pabutools' single MES runs, one rupiah at a time, stopped as ``add1_stop`` says."""
    instance, profile = build(projects, ballots, budget)
    supporters = {p.id: 0 for p in projects}
    for approved in ballots.approval_sets():
        for pid in approved:
            supporters[pid] += 1
    sat_profile = profile.as_sat_profile(Cost_Sat)
    candidates = [p for p in projects if p.cost > 0 and supporters[p.id] > 0]
    fair_share = Fraction(budget, len(ballots.items))
    increments, previous = 0, None
    while True:
        voter_budget = fair_share + increments
        outcome = method_of_equal_shares_scheme(
            instance, profile, sat_profile, mpq(voter_budget.numerator, voter_budget.denominator), [],
            our_tie_breaking(supporters), voter_budget_increment=None, binary_sat=True,
        )
        chosen = {p.name for p in outcome}
        spent = sum(p.cost for p in projects if p.id in chosen)
        if spent > budget:
            return previous, voter_budget - 1
        left = [p for p in candidates if p.id not in chosen]
        if not left or (add1_stop == "exhaustive" and all(spent + p.cost > budget for p in left)):
            return chosen, voter_budget
        previous, increments = chosen, increments + 1


# --- random instances --------------------------------------------------------------------


@settings(max_examples=examples(100))
@given(rupiah_elections(max_scale=120), st.sampled_from(STOPS), st.sampled_from(PROOFS))
def test_jumping_add1_equals_one_rupiah_steps(election, add1_stop: str, proof: str) -> None:
    projects, ballots, budget = election
    outcome = assert_jumps_equal_steps(projects, ballots, budget, add1_stop, proof)
    target(float(outcome.increments), label="one-rupiah steps")


@settings(max_examples=examples(40))
@given(rupiah_elections(max_projects=4, max_voters=6))
def test_jumping_add1_equals_pabutools_voter_budget_increment_1(election) -> None:
    projects, ballots, budget = election
    instance, profile = build(projects, ballots, budget)
    supporters = {p.id: n for p, n in ((p, sum(p.id in s for s in ballots.approval_sets())) for p in projects)}
    result = tally(rule="mes", budget=budget, projects=projects, ballots=ballots, add1_stop="exhaustive")
    assert set(result.selected) == pabutools_mes(instance, profile, supporters)


@settings(max_examples=examples(30))
@given(rupiah_elections(max_projects=4, max_voters=6), st.sampled_from(STOPS))
def test_jumping_add1_equals_pabutools_single_runs_stepped(election, add1_stop: str) -> None:
    projects, ballots, budget = election
    result = tally(rule="mes", budget=budget, projects=projects, ballots=ballots, add1_stop=add1_stop)
    selected, voter_budget = pabutools_stepping(projects, ballots, budget, add1_stop)
    assert set(result.selected) == selected
    assert Fraction(result.params["voter_budget"]) == voter_budget
    target(float(result.params["add1_increments"]), label="one-rupiah steps")


def test_a_long_add1_loop_takes_few_runs() -> None:
    """Stepping needs 1,235 runs of MES here, through a selection that changes and changes back."""
    projects = [Project(str(j), c) for j, c in enumerate([5_400, 3_700, 600, 3_700])]
    votes = [("0",), ("1", "2", "3"), ("2", "3"), ("2", "3"), ("0", "1", "2"), ("2", "3")]
    outcome = assert_jumps_equal_steps(projects, Ballots(kind="approval", items=votes), 14_700, "exhaustive")
    assert outcome.increments == 1_235
    assert outcome.runs <= 10


# --- outcomes that change and change back ------------------------------------------------


def _outcomes_along_the_way(projects, ballots, budget, add1_stop) -> list[tuple[int, frozenset[int]]]:
    """(increment, selection) each time the one-rupiah stepping sees a new selection."""
    profile, sets, key = _profile(projects, ballots)
    costs = [p.cost for p in projects]
    fair_share = Fraction(budget, len(sets))
    seen: list[tuple[int, frozenset[int]]] = []
    _voter_budget, _selected, _prices, _left, increments = stepping_add1(costs, sets, budget, key, add1_stop)
    for k in range(increments + 1):
        selection = frozenset(reference_mes_run(costs, sets, fair_share + k, key)[0])
        if not seen or seen[-1][1] != selection:
            seen.append((k, selection))
    return seen


def _changes_back(seen) -> bool:
    return any(seen[i][1] == seen[i + 2][1] != seen[i + 1][1] for i in range(len(seen) - 2))


# Found by a search over small elections and kept as they are: along the add1 path the selection
# goes A -> B -> A before the loop stops. The first is scaled by 100 (the path scales with it).
CHANGES_BACK = [
    pytest.param(
        [5_400, 3_700, 600, 3_700], [["0"], ["1", "2", "3"], ["2", "3"], ["2", "3"], ["0", "1", "2"], ["2", "3"]],
        14_700, "exhaustive", id="scaled-exhaustive",
    ),
    pytest.param(
        [33, 38, 49], [["1"], ["1"], ["0", "2"], ["0", "1"], [], ["2"]], 123, "infeasible", id="infeasible-twice",
    ),
]


@pytest.mark.parametrize("proof", PROOFS)
@pytest.mark.parametrize(("costs", "votes", "budget", "add1_stop"), CHANGES_BACK)
def test_outcome_that_changes_and_changes_back(costs, votes, budget, add1_stop, proof) -> None:
    projects = [Project(str(j), c) for j, c in enumerate(costs)]
    ballots = Ballots(kind="approval", items=[tuple(v) for v in votes])
    seen = _outcomes_along_the_way(projects, ballots, budget, add1_stop)
    assert _changes_back(seen), seen
    assert_jumps_equal_steps(projects, ballots, budget, add1_stop, proof)
    selected, voter_budget = pabutools_stepping(projects, ballots, budget, add1_stop)
    result = tally(rule="mes", budget=budget, projects=projects, ballots=ballots, add1_stop=add1_stop)
    assert (set(result.selected), Fraction(result.params["voter_budget"])) == (selected, voter_budget)


# --- proofs over stretches of budgets (_IntervalRun) on larger elections -----------------------


@st.composite
def larger_rupiah_elections(draw):
    """Tens to hundreds of voters with popular and unpopular projects, pagu in the millions of
    rupiah: the interval proofs cover long stretches here, and the selection order changes on
    the way. Stepping every rupiah would take too long in a test; the parametric proof, held to
    stepping above, is the reference."""
    count = draw(st.integers(2, 7))
    scale = draw(st.integers(1_000, 20_000))
    projects = [Project(IDS[i], draw(st.integers(5, 80)) * scale + draw(st.integers(0, scale - 1))) for i in range(count)]
    weights = [draw(st.integers(1, 6)) for _ in projects]
    voters = draw(st.integers(10, 400))
    rnd = draw(st.randoms(use_true_random=False))
    items = []
    for _ in range(voters):
        length = rnd.randint(0, count)
        items.append(tuple({rnd.choices(projects, weights)[0].id for _ in range(length)}))
    budget = draw(st.integers(60, 200)) * scale + draw(st.integers(0, scale - 1))
    return projects, Ballots(kind="approval", items=items), budget


def _same_outcome(first: MesOutcome, second: MesOutcome) -> None:
    assert first.final.selected == second.final.selected
    assert first.final.voter_budget == second.final.voter_budget
    assert first.increments == second.increments
    assert first.final.price == second.final.price
    assert first.final.left == second.final.left


@settings(max_examples=examples(60), deadline=None)
@given(larger_rupiah_elections(), st.sampled_from(STOPS))
def test_interval_proofs_equal_parametric_jumps_on_larger_elections(election, add1_stop: str) -> None:
    projects, ballots, budget = election
    profile, _sets, key = _profile(projects, ballots)
    by_interval = method_of_equal_shares(profile, budget, key, add1_stop=add1_stop, proof="interval")
    by_parametric = method_of_equal_shares(profile, budget, key, add1_stop=add1_stop, proof="parametric")
    _same_outcome(by_interval, by_parametric)
    assert _explained(projects, budget, profile, by_interval) == _explained(projects, budget, profile, by_parametric)
    target(float(by_interval.increments), label="one-rupiah steps")


def _kecamatan_like(voters: int, seed: int) -> tuple[list[Project], Ballots, int]:
    """A kecamatan in miniature: 12 projects at Rp80 to 900 juta, Rp3 miliar, ballots of 1 to 5."""
    import random

    rnd = random.Random(seed)
    projects = [Project(f"p{j}", rnd.randint(80, 900) * 1_000_000) for j in range(12)]
    weights = [rnd.uniform(0.2, 1.0) for _ in projects]
    items = []
    for _ in range(voters):
        length = rnd.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 5])
        items.append(tuple({rnd.choices(projects, weights)[0].id for _ in range(length)}))
    return projects, Ballots(kind="approval", items=items), 3_000_000_000


@pytest.mark.parametrize("add1_stop", STOPS)
def test_interval_proofs_skip_thousands_of_rupiah_at_a_time(add1_stop: str) -> None:
    """One-rupiah stepping would run MES thousands of times here; the proofs take far fewer runs,
    and the outcome is the parametric one (the parametric proof is held to stepping above)."""
    projects, ballots, budget = _kecamatan_like(3_000, seed=15)
    profile, _sets, key = _profile(projects, ballots)
    by_interval = method_of_equal_shares(profile, budget, key, add1_stop=add1_stop, proof="interval")
    by_parametric = method_of_equal_shares(profile, budget, key, add1_stop=add1_stop, proof="parametric")
    _same_outcome(by_interval, by_parametric)
    assert by_interval.increments > 5_000
    assert by_interval.runs * 20 < by_interval.increments


def test_interval_proof_breaks_lasting_ties_by_the_tie_key(monkeypatch) -> None:
    """Twin projects (same cost, same supporters) tie at every budget: the tie key decides, and
    the interval proofs cover the stretches themselves, without the parametric fallback."""
    import voting.tally.mes as mes

    def no_fallback(*args, **kwargs):
        raise AssertionError("the interval proofs fell back to mes_parametric")

    projects = [Project("a", 600_000), Project("b", 600_000), Project("c", 849_000), Project("d", 350_000)]
    items = [("a", "b")] * 40 + [("c",)] * 30 + [("a", "b", "d")] * 20 + [("d",)] * 10 + [("c", "d")] * 7
    ballots = Ballots(kind="approval", items=items)
    for add1_stop in STOPS:
        stepped = _stepped_outcome(projects, ballots, 2_400_000, add1_stop)
        with monkeypatch.context() as patch:
            patch.setattr(mes, "mes_parametric", no_fallback)
            profile, _sets, key = _profile(projects, ballots)
            outcome = method_of_equal_shares(profile, 2_400_000, key, add1_stop=add1_stop, proof="interval")
        assert (outcome.final.selected, outcome.final.voter_budget, outcome.final.price) == (
            stepped.final.selected, stepped.final.voter_budget, stepped.final.price)
        assert outcome.final.selected[:2] == [0, 1]  # a before b: the lower id, as the tie key says
        assert outcome.increments == stepped.increments == 2_182
        assert outcome.runs * 10 < outcome.increments
