"""A slow, obviously-correct Method of Equal Shares (cost utilities), for cross-checking.

Plain Python and exact Fractions throughout, one entry per distinct approval set. Used by
the tests on instances too big to run pabutools within a test's time, and nowhere else;
``stepping_add1`` is the add1 completion as pabutools defines it (one rupiah per step), the
reference the engine's jumping add1 is tested against.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from fractions import Fraction


def reference_mes(
    costs: Sequence[int],
    approval_sets: Sequence[Sequence[int]],
    voter_budget: Fraction,
    tie_key: Callable[[int], tuple],
) -> list[int]:
    """One MES run at ``voter_budget`` per voter; returns project indices in selection order."""
    return reference_mes_run(costs, approval_sets, voter_budget, tie_key)[0]


def reference_mes_run(
    costs: Sequence[int],
    approval_sets: Sequence[Sequence[int]],
    voter_budget: Fraction,
    tie_key: Callable[[int], tuple],
) -> tuple[list[int], dict[int, Fraction], dict[int, Fraction]]:
    """One MES run: (selection in order, price paid per selected project, what each project's
    supporters have left at the end)."""
    groups = Counter(frozenset(s) for s in approval_sets if s)
    members = list(groups)
    weight = [groups[g] for g in members]
    budget = [voter_budget] * len(members)
    supporters = {j: [g for g, s in enumerate(members) if j in s] for j in range(len(costs))}
    remaining = {j for j in supporters if costs[j] > 0 and supporters[j]}
    bound = {j: Fraction(0) for j in remaining}  # rho/cost never decreases: a lower bound
    selected: list[int] = []
    prices: dict[int, Fraction] = {}
    while remaining:
        best: Fraction | None = None
        tied: list[tuple[int, Fraction]] = []
        for j in sorted(remaining, key=lambda j: bound[j]):
            if best is not None and bound[j] > best:
                break
            rho = _price(costs[j], [(budget[g], weight[g]) for g in supporters[j]])
            if rho is None:
                remaining.discard(j)
                continue
            alpha = rho / costs[j]
            bound[j] = alpha
            if best is None or alpha < best:
                best, tied = alpha, [(j, rho)]
            elif alpha == best:
                tied.append((j, rho))
        if not tied:
            break
        chosen, rho = min(tied, key=lambda item: tie_key(item[0]))
        for g in supporters[chosen]:
            budget[g] = max(Fraction(0), budget[g] - rho)
        selected.append(chosen)
        prices[chosen] = rho
        remaining.discard(chosen)
    left = {j: sum((budget[g] * weight[g] for g in supporters[j]), Fraction(0)) for j in range(len(costs))}
    return selected, prices, left


def stepping_add1(
    costs: Sequence[int],
    approval_sets: Sequence[Sequence[int]],
    budget: int,
    tie_key: Callable[[int], tuple],
    add1_stop: str = "exhaustive",
) -> tuple[Fraction, list[int], dict[int, Fraction], dict[int, Fraction], int]:
    """MES + add1 by one-rupiah steps, as pabutools' ``voter_budget_increment=1`` (and, with
    ``infeasible``, on until a step overspends). Returns the final (voter budget, selection,
    prices, supporters' leftovers, increments)."""
    voters = len(approval_sets)
    fair_share = Fraction(budget, voters)
    candidates = [j for j in range(len(costs)) if costs[j] > 0 and any(j in s for s in approval_sets)]
    increments, previous = 0, None
    while True:
        current = reference_mes_run(costs, approval_sets, fair_share + increments, tie_key)
        spent = sum(costs[j] for j in current[0])
        if spent > budget:
            assert previous is not None
            return (fair_share + increments - 1, *previous, increments - 1)
        left = [j for j in candidates if j not in current[0]]
        if not left or (add1_stop == "exhaustive" and all(spent + costs[j] > budget for j in left)):
            return (fair_share + increments, *current, increments)
        previous = current
        increments += 1


def _price(cost: int, budgets: list[tuple[Fraction, int]]) -> Fraction | None:
    """Smallest rho with sum(w * min(b, rho)) == cost, or None when the supporters cannot pay."""
    if sum(b * w for b, w in budgets) < cost:
        return None
    paid, voters = Fraction(0), sum(w for _, w in budgets)
    for b, w in sorted(budgets):
        rho = (cost - paid) / voters
        if rho <= b:
            return rho
        paid += b * w
        voters -= w
    raise AssertionError("unreachable: the supporters can pay")
