"""The same election, handed to the reference library pabutools, with our tie-breaking.

Only the tests import pabutools; the engine never does.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from gmpy2 import mpq
from pabutools.election import (
    AdditiveSatisfaction,
    ApprovalBallot,
    ApprovalProfile,
    Cost_Sat,
    CumulativeBallot,
    CumulativeProfile,
    Instance,
    OrdinalBallot,
)
from pabutools.election import Project as PabuProject
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares
from pabutools.rules.mes.mes_rule import method_of_equal_shares_scheme
from pabutools.tiebreaking import TieBreakingRule

from voting.tally import Ballots, Project


def our_tie_breaking(supporters: dict[str, int]) -> TieBreakingRule:
    """Lowest cost, then most supporters, then id as text: the order tally() uses."""
    return TieBreakingRule(lambda instance, profile, project: (project.cost, -supporters.get(project.name, 0), project.name))


def _points_times_cost(instance, profile, ballot, project, precomputed_values):
    """Satisfaction whose total divided by cost is the total points: greedy by points in pabutools."""
    if isinstance(ballot, OrdinalBallot):
        order = list(ballot)
        if project not in ballot:
            return 0
        return (profile.max_rank - order.index(project)) * project.cost
    return ballot.get(project, 0) * project.cost


class PointsCostSat(AdditiveSatisfaction):
    def __init__(self, instance, profile, ballot):
        AdditiveSatisfaction.__init__(self, instance, profile, ballot, _points_times_cost)


def build(projects: Sequence[Project], ballots: Ballots, budget: int):
    """(instance, profile) for pabutools. Ranked ballots become points k..1 (cumulative)."""
    pabu = {p.id: PabuProject(p.id, p.cost) for p in projects}
    instance = Instance(pabu.values(), budget_limit=budget)
    if ballots.kind in ("approval", "knapsack"):
        profile = ApprovalProfile([ApprovalBallot(pabu[i] for i in item) for item in ballots.items], instance=instance)
    elif ballots.kind == "ranked":
        k = ballots.effective_max_rank()
        profile = CumulativeProfile(
            [CumulativeBallot({pabu[i]: k - r for r, i in enumerate(item)}) for item in ballots.items], instance=instance
        )
    else:
        profile = CumulativeProfile(
            [CumulativeBallot({pabu[i]: pts for i, pts in item.items()}) for item in ballots.items], instance=instance
        )
    return instance, profile


def supporters_of(profile) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ballot in profile:
        for project in ballot:
            if not hasattr(ballot, "get") or isinstance(ballot, OrdinalBallot) or ballot.get(project, 0) > 0:
                counts[project.name] = counts.get(project.name, 0) + 1
    return counts


def pabutools_greedy(instance, profile, supporters: dict[str, int]) -> set[str]:
    sat = Cost_Sat if isinstance(profile, ApprovalProfile) or _is_approval(profile) else PointsCostSat
    outcome = greedy_utilitarian_welfare(instance, profile, sat_class=sat, tie_breaking=our_tie_breaking(supporters))
    return {p.name for p in outcome}


def pabutools_mes(instance, profile, supporters: dict[str, int], add1: bool = True) -> set[str]:
    outcome = method_of_equal_shares(
        instance,
        profile,
        sat_class=Cost_Sat,
        voter_budget_increment=1 if add1 else None,
        tie_breaking=our_tie_breaking(supporters),
    )
    return {p.name for p in outcome}


def pabutools_mes_from(instance, profile, supporters: dict[str, int], voter_budget: Fraction, add1: bool) -> set[str]:
    """MES starting from a given per-voter budget (to check one late step of a long add1 loop)."""
    outcome = method_of_equal_shares_scheme(
        instance,
        profile,
        profile.as_sat_profile(Cost_Sat),
        mpq(voter_budget.numerator, voter_budget.denominator),
        [],
        our_tie_breaking(supporters),
        voter_budget_increment=1 if add1 else None,
        binary_sat=True,
    )
    return {p.name for p in outcome}


def _is_approval(profile) -> bool:
    return type(profile).__name__.startswith("Approval")
