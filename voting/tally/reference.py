"""A slow, obviously-correct Method of Equal Shares (cost utilities), for cross-checking.

Plain Python and exact Fractions throughout, one entry per distinct approval set. Used by
the tests on instances too big to run pabutools within a test's time, and nowhere else.
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
    groups = Counter(frozenset(s) for s in approval_sets if s)
    members = list(groups)
    weight = [groups[g] for g in members]
    budget = [voter_budget] * len(members)
    supporters = {j: [g for g, s in enumerate(members) if j in s] for j in range(len(costs))}
    remaining = {j for j in supporters if costs[j] > 0 and supporters[j]}
    bound = {j: Fraction(0) for j in remaining}  # rho/cost never decreases: a lower bound
    selected: list[int] = []
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
        remaining.discard(chosen)
    return selected


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
