"""Method of Equal Shares with cost utilities (Cost_Sat) and the add1 completion.

Same outcome as pabutools' ``method_of_equal_shares(instance, profile, sat_class=Cost_Sat,
voter_budget_increment=1)``, computed differently:

* Voters with identical approval sets are one group with a multiplicity, and every step is
  a NumPy operation over the groups that support one project.
* With cost utilities every supporter of a project has the same utility (its cost), so
  the affordability factor is ``rho / cost`` where ``rho`` is the most any supporter pays:
  ``sum(min(budget_i, rho)) == cost``.
* Floats do the search; exact rationals decide. A group's budget is always exactly either
  0 (it once paid everything it had) or ``b0 - sum(rho_k)`` over the selected projects it
  supports, so the exact state is one Fraction per selected project plus an "exhausted"
  flag per group. Whenever two floats are too close to call (a tie between projects, a
  group whose budget is about the price, a project that is just affordable) the exact
  values are computed from that state. This is what keeps the selected set identical to
  pabutools, which uses gmpy2 rationals throughout.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

import numpy as np
from gmpy2 import mpq

Add1Stop = Literal["exhaustive", "infeasible"]

# Relative band within which float comparisons are not trusted and exact arithmetic decides.
# Float errors here are around 1e-14 relative; the band is far wider so it is safe, and
# still narrow enough that exact work is rare.
_BAND = 1e-9


@dataclass(frozen=True)
class MesProfile:
    """Approval ballots grouped by identical approval set."""

    costs: tuple[int, ...]
    voters: int
    mult: np.ndarray  # int64 [G]: voters per group
    approvals: np.ndarray  # bool [G, P]
    supporters_of: tuple[np.ndarray, ...]  # per project: indices of the groups approving it
    supporter_mult: tuple[np.ndarray, ...]  # per project: voters in each of those groups (float64)
    approval_count: tuple[int, ...]  # per project: number of voters approving it

    @classmethod
    def build(cls, costs: Sequence[int], approval_sets: Sequence[Sequence[int]]) -> MesProfile:
        """From one approval set (project indices) per voter; empty sets are blank ballots."""
        groups = Counter(tuple(sorted(set(s))) for s in approval_sets)
        return cls.from_groups(costs, groups)

    @classmethod
    def from_groups(cls, costs: Sequence[int], groups: Mapping[tuple[int, ...], int]) -> MesProfile:
        """From distinct approval sets (sorted project indices) and how many voters cast each."""
        voters = sum(groups.values())
        keys = sorted(k for k in groups if k)  # sorted so that the result never depends on voter order
        project_count = len(costs)
        approvals = np.zeros((len(keys), project_count), dtype=bool)
        rows = np.repeat(np.arange(len(keys)), [len(k) for k in keys])
        approvals[rows, np.fromiter((j for k in keys for j in k), dtype=np.int64, count=len(rows))] = True
        mult = np.array([groups[k] for k in keys], dtype=np.int64)
        supporters_of = tuple(np.flatnonzero(approvals[:, j]) for j in range(project_count))
        supporter_mult = tuple(mult[s].astype(np.float64) for s in supporters_of)
        approval_count = tuple(int(mult[s].sum()) for s in supporters_of)
        return cls(tuple(int(c) for c in costs), voters, mult, approvals, supporters_of, supporter_mult, approval_count)


@dataclass
class MesRun:
    """One run of MES at a given per-voter budget."""

    voter_budget: Fraction
    selected: list[int] = field(default_factory=list)
    price: dict[int, Fraction] = field(default_factory=dict)  # rho: the most one supporter paid
    leftover: np.ndarray | None = None  # float budget of each group at the end (float runs only)
    left: dict[int, Fraction] = field(default_factory=dict)  # per project: exactly what its supporters have left

    def cost(self, costs: Sequence[int]) -> int:
        return sum(costs[j] for j in self.selected)


@dataclass
class MesOutcome:
    final: MesRun
    first: MesRun  # the run at the fair share budget / voters, before any add1 increase
    increments: int  # how many rupiah were added to every voter's budget
    runs: int


class _TooCloseToCall(Exception):
    """A float comparison fell inside the band: this run must be redone with exact decisions."""


class _Runner:
    """State of one MES run. Float budgets for speed, exact prices for decisions.

    With ``exact=False`` the run trusts floats and gives up (raises _TooCloseToCall) at the
    first comparison inside the band; when it does not give up, every decision it took was
    separated by far more than float error, so its outcome is the exact one.
    """

    def __init__(
        self, profile: MesProfile, voter_budget: Fraction, tie_key: Callable[[int], tuple], exact: bool = True
    ) -> None:
        self.exact = exact
        self.p = profile
        self.b0 = voter_budget
        self.tie_key = tie_key
        self.band = _BAND * float(voter_budget)
        self.budget = np.full(len(profile.mult), float(voter_budget))
        self.mult_f = profile.mult.astype(np.float64)
        self.exhausted = np.zeros(len(profile.mult), dtype=bool)
        self.run = MesRun(voter_budget=voter_budget)

    # --- exact helpers -------------------------------------------------------------------

    def _exact_total(self, groups: np.ndarray) -> Fraction:
        """Exact sum of the budgets of these live (not exhausted) groups, weighted by multiplicity."""
        mult = self.p.mult[groups]
        total = self.b0 * int(mult.sum())
        sel = self.run.selected
        if sel and len(groups):
            paid_counts = mult @ self.p.approvals[np.ix_(groups, sel)]
            total -= sum((self.run.price[k] * int(n) for k, n in zip(sel, paid_counts, strict=True) if n), Fraction(0))
        return total

    def _exact_budget_levels(self, groups: np.ndarray) -> list[tuple[Fraction, int]]:
        """(exact budget, voters) for these live groups, merged by budget and sorted ascending."""
        sel = self.run.selected
        if not len(groups):
            return []
        if not sel:
            return [(self.b0, int(self.p.mult[groups].sum()))]
        paid = self.p.approvals[np.ix_(groups, sel)]
        patterns, inverse = np.unique(paid, axis=0, return_inverse=True)
        voters = np.bincount(inverse.ravel(), weights=self.p.mult[groups], minlength=len(patterns))
        levels: Counter[Fraction] = Counter()
        for row, n in zip(patterns, voters, strict=True):
            levels[self.b0 - sum((self.run.price[sel[s]] for s in np.flatnonzero(row)), Fraction(0))] += int(n)
        return sorted(levels.items())

    def _exact_affordable(self, j: int) -> bool:
        sup = self.p.supporters_of[j]
        return self._exact_total(sup[~self.exhausted[sup]]) >= self.p.costs[j]

    def _exact_price(self, j: int, rho_f: float, band: float) -> Fraction:
        """Exact rho of project j, trusting floats only for groups clearly richer or poorer than rho_f."""
        sup = self.p.supporters_of[j]
        budget = self.budget[sup]
        live = ~self.exhausted[sup]
        poor = live & (budget < rho_f - band)
        rich = live & (budget > rho_f + band)
        unsure = live & ~poor & ~rich
        paid_by_poor = self._exact_total(sup[poor])
        rich_voters = int(self.p.mult[sup[rich]].sum())
        levels = self._exact_budget_levels(sup[unsure])
        rich_voters += sum(n for _, n in levels)
        cost = self.p.costs[j]
        # pabutools' order: supporters by budget ascending; the first one who can pay the equal
        # share of what is still missing fixes the price.
        for level, n in levels:
            rho = (cost - paid_by_poor) / Fraction(rich_voters)
            if rho <= level:
                return rho
            paid_by_poor += level * n
            rich_voters -= n
        if rich_voters == 0:
            raise ArithmeticError("project priced although its supporters cannot afford it")
        return (cost - paid_by_poor) / Fraction(rich_voters)

    def exact_price(self, j: int, rho_f: float) -> Fraction:
        rho = self._exact_price(j, rho_f, self.band)
        if abs(float(rho) - rho_f) > self.band:
            # The float estimate was off by more than the band: redo with every group exact.
            rho = self._exact_price(j, rho_f, math.inf)
        return rho

    # --- float search ---------------------------------------------------------------------

    def float_price(self, j: int) -> tuple[float, float]:
        """(rho, supporters' total budget) in floats.

        Solves sum(mult * min(budget, rho)) == cost by the poor/rich fixed point: start as if
        everyone paid the same, let those who cannot pay that much pay all they have, spread
        the rest over the others, repeat. rho only grows, and it stops within a few rounds
        because each round moves a whole budget level into the poor; no sort needed.
        """
        sup = self.p.supporters_of[j]
        budget = self.budget[sup]
        mult = self.mult_f[sup]
        weighted = budget * mult
        total = float(weighted.sum())
        cost = self.p.costs[j]
        rho = cost / float(mult.sum())
        poor_count = -1
        poor = np.zeros(len(budget), dtype=bool)
        while True:
            # Once poor, always poor: in exact arithmetic rho only grows, but a float rho can dip
            # by an ulp and let a voter flip back and forth forever. A set that only grows ends.
            poor |= budget < rho
            count = int(np.count_nonzero(poor))
            if count == poor_count:
                return rho, total
            poor_count = count
            rich_voters = float(mult[~poor].sum())
            if rich_voters == 0:
                # Everyone pays all they have: the caller has checked (exactly, when it was
                # close) that they can afford the project, so total == cost.
                return float(budget.max()), total
            rho = (cost - float(weighted[poor].sum())) / rich_voters

    # --- the rule ---------------------------------------------------------------------------

    def select(self) -> MesRun:
        p = self.p
        remaining = [j for j in range(len(p.costs)) if p.costs[j] > 0 and p.approval_count[j] > 0]
        # The affordability factor rho/cost only grows as budgets shrink, so a past value is a
        # lower bound: projects are priced lazily, cheapest bound first, as in pabutools.
        bound = {j: 1.0 / p.approval_count[j] for j in remaining}
        while remaining:
            remaining.sort(key=bound.__getitem__)
            best = math.inf
            priced: list[tuple[float, int, float]] = []
            for j in list(remaining):
                if bound[j] > best * (1 + _BAND):
                    break
                rho_f, total = self.float_price(j)
                cost = p.costs[j]
                if total < cost * (1 - _BAND) or (total <= cost * (1 + _BAND) and not self._affordable(j)):
                    remaining.remove(j)  # its supporters can no longer pay for it, and never will
                    continue
                alpha = rho_f / cost
                bound[j] = alpha
                priced.append((alpha, j, rho_f))
                best = min(best, alpha)
            if not priced:
                break
            close = [(j, rho_f) for alpha, j, rho_f in priced if alpha <= best * (1 + _BAND)]
            chosen, rho = self._break_tie(close)
            self._pay(chosen, rho)
            remaining.remove(chosen)
        self.run.leftover = self.budget
        return self.run

    def _affordable(self, j: int) -> bool:
        if not self.exact:
            raise _TooCloseToCall
        return self._exact_affordable(j)

    def _break_tie(self, close: list[tuple[int, float]]) -> tuple[int, Fraction]:
        """Among projects whose float factors are too close to call, the exact lowest, then the tie key."""
        if not self.exact:
            if len(close) > 1:
                raise _TooCloseToCall
            return close[0][0], Fraction(close[0][1])
        exact = [(j, self.exact_price(j, rho_f)) for j, rho_f in close]
        if len(exact) == 1:
            return exact[0]
        lowest = min(rho / self.p.costs[j] for j, rho in exact)
        tied = [(j, rho) for j, rho in exact if rho / self.p.costs[j] == lowest]
        return min(tied, key=lambda item: self.tie_key(item[0]))

    def supporters_left(self) -> dict[int, Fraction]:
        """Exactly what the supporters of each project have left at the end of an exact run."""
        return {j: self._exact_total(sup[~self.exhausted[sup]]) for j, sup in enumerate(self.p.supporters_of)}

    def _pay(self, j: int, rho: Fraction) -> None:
        sup = self.p.supporters_of[j]
        budget = self.budget[sup]
        live = ~self.exhausted[sup]
        rho_f = float(rho)
        pays_all = live & (budget < rho_f - self.band)
        unsure = np.flatnonzero(live & (np.abs(budget - rho_f) <= self.band))
        if len(unsure) and not self.exact:
            raise _TooCloseToCall
        if len(unsure):
            # A group whose budget equals the price exactly ends with exactly nothing.
            for g in unsure:
                if self._exact_budget_levels(sup[[g]])[0][0] <= rho:
                    pays_all[g] = True
        keeps = live & ~pays_all
        self.exhausted[sup[pays_all]] = True
        self.budget[sup[pays_all]] = 0.0
        self.budget[sup[keeps]] = budget[keeps] - rho_f
        self.run.selected.append(j)
        self.run.price[j] = rho


def mes_once(
    profile: MesProfile, budget: int, voter_budget: Fraction, tie_key: Callable[[int], tuple], exact: bool = True
) -> MesRun:
    """One MES run. ``exact=False`` returns the same selection, faster, but with float prices."""
    if not exact:
        try:
            return _Runner(profile, voter_budget, tie_key, exact=False).select()
        except _TooCloseToCall:
            pass
    return _Runner(profile, voter_budget, tie_key, exact=True).select()


# --- MES as a function of the voter budget: the add1 completion by jumps ----------------------
#
# Within one run every quantity MES compares is an affine function of the per-voter budget b:
# a voter's budget is b minus the prices of what it paid for (or 0 once it paid all it had), a
# price is (cost - what the poor supporters pay) / the rich supporters, and the budgets of the
# poor are again affine. So a run at b0 also tells, exactly, how far b can grow before any
# comparison it made could come out differently: the first root above b0 of the affine
# differences it compared. Every whole-rupiah budget strictly before that root repeats the same
# run step for step, so add1 can jump straight to the first whole-rupiah budget at or past it
# and run MES there. This is exactly one-rupiah stepping, without the steps in between.
# No library offers parametric MES; pabutools only steps (voter_budget_increment).


# gmpy2's rationals (GMP, in C) rather than fractions.Fraction: the same exact arithmetic, several
# times faster, and this loop does little else. Results leave as Fractions.
_ZERO, _ONE = mpq(0), mpq(1)


def _fraction(value: mpq) -> Fraction:
    return Fraction(int(value.numerator), int(value.denominator))


@dataclass
class _Affine:
    """value + slope * x, where x is the increase of the voter budget over the run's b0 (exact rationals)."""

    value: mpq
    slope: mpq


@dataclass
class _Priced:
    rho: _Affine
    present: list[tuple[int, int]]  # (level, voters) of the supporters, poorest first
    split: int  # present[:split] pay all they have
    surplus_value: mpq  # what the supporters have beyond the cost
    surplus_slope: mpq


class _ParametricRun:
    """One exact MES run at ``b0`` that also finds the next budget where its decisions could change.

    Voters are kept as budget levels: all groups that paid for the same selected projects in
    the same way have the same budget, an affine function of x = b - b0. ``horizon`` is the
    smallest whole x >= 1 at which some comparison of this run could come out otherwise, or
    None when none ever can.
    """

    def __init__(self, profile: MesProfile, b0: Fraction, tie_key: Callable[[int], tuple]) -> None:
        self.p = profile
        self.tie_key = tie_key
        self.level_of = np.zeros(len(profile.mult), dtype=np.int64)
        start = mpq(b0.numerator, b0.denominator)
        self.levels: list[_Affine] = [_Affine(start, _ONE)]
        self.level_ids: dict[tuple[mpq, mpq], int] = {(start, _ONE): 0}
        self.horizon: mpq | None = None
        self.run = MesRun(voter_budget=Fraction(b0))

    def _holds(self, value: mpq, slope: mpq) -> None:
        """Record a comparison value + slope * x >= 0 that this run relied on (it holds at x = 0)."""
        if slope >= 0:
            return  # it only grows: it holds for every larger budget
        if value < 0:
            raise ArithmeticError("a recorded comparison does not hold at the run's own budget")
        root = value / -slope
        if self.horizon is None or root < self.horizon:
            self.horizon = root

    def next_step(self) -> int | None:
        """Whole rupiah to add to b0 to reach the first budget where the outcome may differ."""
        if self.horizon is None:
            return None
        return max(1, int(math.ceil(self.horizon)))

    def _level(self, value: mpq, slope: mpq) -> int:
        key = (value, slope)
        found = self.level_ids.get(key)
        if found is None:
            found = self.level_ids[key] = len(self.levels)
            self.levels.append(_Affine(value, slope))
        return found

    def _supporter_levels(self, j: int) -> list[tuple[int, int]]:
        """(level, voters) of the supporters of project j, poorest first."""
        sup = self.p.supporters_of[j]
        counts = np.bincount(self.level_of[sup], weights=self.p.mult[sup], minlength=len(self.levels))
        present = [(int(k), int(round(counts[k]))) for k in np.flatnonzero(counts)]
        present.sort(key=lambda item: self.levels[item[0]].value)
        return present

    def _price(self, j: int) -> _Priced | None:
        """The price rho of project j as an affine function (valid while its poor stay poor and its
        rich stay rich), or None when its supporters cannot pay for it."""
        cost = self.p.costs[j]
        present = self._supporter_levels(j)
        total_value = sum((self.levels[k].value * n for k, n in present), _ZERO)
        total_slope = sum((self.levels[k].slope * n for k, n in present), _ZERO)
        if total_value < cost:
            # Unaffordable (strictly) while this holds; it is dropped for the rest of the run.
            self._holds(cost - total_value, -total_slope)
            return None
        # pabutools' order: by budget ascending; the first who can pay an equal share of what is
        # still missing fixes the price, everyone poorer pays all they have.
        paid_value, paid_slope = _ZERO, _ZERO
        rich = sum(n for _, n in present)
        split = len(present)
        for position, (k, n) in enumerate(present):
            level = self.levels[k]
            if (cost - paid_value) / rich <= level.value:
                split = position
                break
            paid_value += level.value * n
            paid_slope += level.slope * n
            rich -= n
        if rich == 0:
            raise ArithmeticError("project priced although its supporters cannot afford it")
        rho = _Affine((cost - paid_value) / rich, -paid_slope / rich)
        return _Priced(rho, present, split, total_value - cost, total_slope)

    def _certify_chosen(self, priced: _Priced) -> None:
        """The chosen project stays affordable and its poor and rich stay so: its price, and so
        every budget after it, keeps its affine form."""
        self._holds(priced.surplus_value, priced.surplus_slope)
        rho = priced.rho
        for position, (k, _) in enumerate(priced.present):
            level = self.levels[k]
            if position < priced.split:
                self._holds(rho.value - level.value, rho.slope - level.slope)
            else:
                self._holds(level.value - rho.value, level.slope - rho.slope)

    def _certify_beaten(self, j: int, priced: _Priced, chosen: _Affine, chosen_cost: int) -> None:
        """Project j stays no better than the chosen one: rho_j / cost_j >= rho_c / cost_c.

        With y = rho_c * cost_j / cost_c, that is sum(voters * min(budget, y)) <= cost_j over j's
        supporters (what they would pay at price y is not yet enough). That sum is concave in the
        voter budget (a sum of minimums of affine functions), so it stays below its tangent: the
        tangent's root is a safe bound however often j's own poor and rich trade places.
        """
        cost = self.p.costs[j]
        y = _Affine(chosen.value * cost / chosen_cost, chosen.slope * cost / chosen_cost)
        excess, excess_slope = -mpq(cost), _ZERO
        for k, n in priced.present:
            level = self.levels[k]
            if level.value < y.value:
                excess, excess_slope = excess + level.value * n, excess_slope + level.slope * n
            elif level.value > y.value:
                excess, excess_slope = excess + y.value * n, excess_slope + y.slope * n
            else:
                excess, excess_slope = excess + y.value * n, excess_slope + min(level.slope, y.slope) * n
        self._holds(-excess, -excess_slope)
        if excess == 0 and excess_slope == 0:
            # An exact tie that may last (the tie key decides, as it did here). It is a tie only
            # while some supporter of j could still pay y, so keep the richest one able to.
            k = priced.present[-1][0]
            self._holds(self.levels[k].value - y.value, self.levels[k].slope - y.slope)

    def select(self) -> MesRun:
        p = self.p
        remaining = [j for j in range(len(p.costs)) if p.costs[j] > 0 and p.approval_count[j] > 0]
        while remaining:
            priced: dict[int, _Priced] = {}
            for j in remaining:
                found = self._price(j)
                if found is not None:
                    priced[j] = found
            # Budgets only shrink during a run: what is unaffordable now stays so.
            remaining = list(priced)
            if not priced:
                break
            chosen = min(priced, key=lambda j: (priced[j].rho.value / p.costs[j], self.tie_key(j)))
            self._certify_chosen(priced[chosen])
            for j, other in priced.items():
                if j != chosen:
                    self._certify_beaten(j, other, priced[chosen].rho, p.costs[chosen])
            self._pay(chosen, priced[chosen].rho, [k for k, _ in priced[chosen].present[: priced[chosen].split]])
            remaining.remove(chosen)
        return self.run

    def _pay(self, j: int, rho: _Affine, poor: list[int]) -> None:
        sup = self.p.supporters_of[j]
        old = self.level_of[sup]
        mapping = np.arange(len(self.levels), dtype=np.int64)
        poor_set = set(poor)
        for k in np.unique(old):
            k = int(k)
            if k in poor_set:
                mapping[k] = self._level(_ZERO, _ZERO)
            else:
                level = self.levels[k]
                mapping[k] = self._level(level.value - rho.value, level.slope - rho.slope)
        if len(self.levels) > len(mapping):
            mapping = np.concatenate([mapping, np.arange(len(mapping), len(self.levels), dtype=np.int64)])
        self.level_of[sup] = mapping[old]
        self.run.selected.append(j)
        self.run.price[j] = _fraction(rho.value)

    def supporters_left(self) -> dict[int, Fraction]:
        """Exactly what the supporters of each project have left at the end of the run."""
        values = [level.value for level in self.levels]
        return {
            j: _fraction(sum((values[k] * n for k, n in self._supporter_levels(j)), _ZERO)) for j in range(len(self.p.costs))
        }


def mes_parametric(profile: MesProfile, voter_budget: Fraction, tie_key: Callable[[int], tuple]) -> tuple[MesRun, int | None]:
    """One exact MES run, and how many whole rupiah the voter budget can grow by before the
    outcome may change (None: never). Every budget in between gives this very run."""
    runner = _ParametricRun(profile, voter_budget, tie_key)
    run = runner.select()
    run.left = runner.supporters_left()
    return run, runner.next_step()


def mes_exact(profile: MesProfile, voter_budget: Fraction, tie_key: Callable[[int], tuple]) -> MesRun:
    """One MES run with exact prices and exactly what each project's supporters have left."""
    runner = _Runner(profile, voter_budget, tie_key, exact=True)
    run = runner.select()
    run.left = runner.supporters_left()
    return run


# --- MES over a whole interval of voter budgets --------------------------------------------------
#
# The add1 loop needs the first whole-rupiah budget at which the selection becomes one at which
# stepping would stop. Far from any change, one run over an interval of budgets [b_lo, b_hi]
# proves that every budget in it gives the same run: MES only ever compares prices and totals,
# and each of them is monotone in the voters' budgets (a richer supporter never raises a price,
# a lower price never leaves anyone poorer). So running MES once with every group's budget an
# interval, pricing each project at both ends, brackets every quantity for every budget in the
# interval at once. Where the brackets of two decisions overlap the run gives up, and the loop
# tries a shorter interval, down to one rupiah; there it takes the exact run at the next whole
# rupiah, as stepping does. Floats carry a margin far above their rounding error (_BAND), and a
# decision inside the margin counts as overlapping, so a proof never rests on rounding.
#
# Exact ties do not shrink with the interval. The common one is decided exactly: when all the
# supporters of a project who still have money can pay an equal share, its factor is exactly
# 1/(their number), whatever the budget. Any other tie that lasts is left to mes_parametric,
# which the loop falls back to after a few one-rupiah steps in a row.


class _IntervalRun:
    def __init__(self, profile: MesProfile, b_lo: Fraction, b_hi: Fraction, tie_key: Callable[[int], tuple]) -> None:
        self.p = profile
        self.tie_key = tie_key
        top = float(b_hi)
        self.band = _BAND * top
        self.eps = 1e-12 * top
        groups = len(profile.mult)
        self.lo = np.full(groups, max(float(b_lo) - self.eps, 0.0))
        self.hi = np.full(groups, top + self.eps)
        self.mult_f = profile.mult.astype(np.float64)

    def _rho(self, budget: np.ndarray, mult: np.ndarray, cost: int) -> float:
        """sum(mult * min(budget, rho)) == cost, as _Runner.float_price (the caller checked affordability)."""
        weighted = budget * mult
        rho = cost / float(mult.sum())
        poor = np.zeros(len(budget), dtype=bool)
        poor_count = -1
        while True:
            poor |= budget < rho
            count = int(np.count_nonzero(poor))
            if count == poor_count:
                return rho
            poor_count = count
            rich_voters = float(mult[~poor].sum())
            if rich_voters == 0:
                return float(budget.max())
            rho = (cost - float(weighted[poor].sum())) / rich_voters

    def _price(self, j: int) -> tuple[float, float, int] | None | bool:
        """(lowest rho, highest rho, n) over the interval, n > 0 when the factor is exactly 1/n;
        None when the project is unaffordable throughout; False when that is not certain."""
        sup = self.p.supporters_of[j]
        mult = self.p.supporter_mult[j]
        lo, hi = self.lo[sup], self.hi[sup]
        cost = self.p.costs[j]
        # Not `@`: a threaded BLAS call is slower than this on a busy machine.
        total_hi = float((hi * mult).sum())
        total_lo = float((lo * mult).sum())
        margin = _BAND * max(float(cost), total_hi)
        if total_hi < cost - margin:
            return None
        if total_lo < cost + margin:
            return False
        # Everyone with money left can pay an equal share: the price is exactly cost / their number.
        paying = hi > 0
        count = int(mult[paying].sum())
        share = cost / count
        if float(lo[paying].min()) > share + self.band:
            return share, share, count
        return self._rho(hi, mult, cost) - self.band, self._rho(lo, mult, cost) + self.band, 0

    def sequence(self) -> list[int] | None:
        """The selection, in order, that every budget of the interval gives; None when that is not proven."""
        p = self.p
        remaining = [j for j in range(len(p.costs)) if p.costs[j] > 0 and p.approval_count[j] > 0]
        bound = {j: (1.0 - _BAND) / p.approval_count[j] for j in remaining}  # factors only grow within a run
        selected: list[int] = []
        while remaining:
            remaining.sort(key=bound.__getitem__)
            best = math.inf
            priced: list[tuple[float, float, int, int]] = []
            for j in list(remaining):
                if bound[j] > best:
                    break
                found = self._price(j)
                if found is None:
                    remaining.remove(j)
                    continue
                if found is False:
                    return None
                rho_lo, rho_hi, count = found
                cost = p.costs[j]
                low, high = rho_lo / cost, rho_hi / cost
                bound[j] = low
                priced.append((low, high, count, j))
                best = min(best, high * (1 + 1e-12))
            if not priced:
                break
            low_c, high_c, count_c, chosen = min(priced, key=lambda item: (item[0], self.tie_key(item[3])))
            for low, _high, count, j in priced:
                if j == chosen:
                    continue
                if count and count_c and count == count_c:
                    if self.tie_key(chosen) < self.tie_key(j):
                        continue  # an exact tie, for every budget of the interval, decided by the tie key
                    return None
                if count and count_c and count < count_c:
                    continue  # exactly 1/count_c < 1/count
                if not low > high_c * (1 + 1e-12):
                    return None
            rho_lo, rho_hi = low_c * p.costs[chosen], high_c * p.costs[chosen]
            sup = p.supporters_of[chosen]
            self.lo[sup] = np.maximum(self.lo[sup] - (rho_hi + self.eps), 0.0)
            self.hi[sup] = np.maximum(self.hi[sup] - (rho_lo - self.eps), 0.0)
            selected.append(chosen)
            remaining.remove(chosen)
        return selected


def method_of_equal_shares(
    profile: MesProfile,
    budget: int,
    tie_key: Callable[[int], tuple],
    add1: bool = True,
    add1_stop: Add1Stop = "exhaustive",
    proof: Literal["auto", "interval", "parametric"] = "auto",
) -> MesOutcome:
    """MES, then the add1 completion: the outcome of raising every voter's budget one rupiah at a time.

    ``exhaustive`` stops at the first outcome to which no further project fits (pabutools);
    ``infeasible`` goes on while outcomes stay within the budget and keeps the last one
    that does (how Wieliczka counted). Both return the previous outcome once a run would
    overspend the budget. Whether stepping stops at a budget depends only on the selection
    there, so the loop only needs the first whole-rupiah budget whose selection stops it.
    Instead of stepping, it proves whole stretches of budgets give the selection it has
    (_IntervalRun; mes_parametric where ties last), doubling the stretch while proofs
    succeed and halving it when they fail; where even one rupiah cannot be proven it runs
    MES at the next whole rupiah, exactly as stepping would.

    ``proof`` picks how stretches are proven: "parametric" jumps by mes_parametric alone (fast
    for few distinct ballots, slow for many: each run is exact rational work per budget level),
    "interval" by _IntervalRun first; "auto" takes parametric up to _SMALL distinct ballots.
    All three give the same outcome; the tests hold each of them to one-rupiah stepping.
    """
    if add1_stop not in ("exhaustive", "infeasible"):
        raise ValueError(f"add1_stop must be 'exhaustive' or 'infeasible', got {add1_stop!r}")
    if proof == "auto":
        proof = "parametric" if len(profile.mult) <= _SMALL else "interval"
    if proof not in ("interval", "parametric"):
        raise ValueError(f"proof must be 'auto', 'interval' or 'parametric', got {proof!r}")
    if profile.voters == 0:
        empty = MesRun(voter_budget=Fraction(0), leftover=np.zeros(0))
        return MesOutcome(final=empty, first=empty, increments=0, runs=0)
    fair_share = Fraction(budget, profile.voters)
    first = mes_exact(profile, fair_share, tie_key)
    if not add1:
        return MesOutcome(final=first, first=first, increments=0, runs=1)
    candidates = [j for j, c in enumerate(profile.costs) if c > 0 and profile.approval_count[j] > 0]
    sequence, increments, runs = list(first.selected), 0, 1
    same_until: int | None = 0  # every increment from `increments` to this one gives `sequence`
    stretch, stable, unproven = 2, True, 0
    while True:
        spent = sum(profile.costs[j] for j in sequence)
        if spent > budget:
            # The run one rupiah before has the selection of the last outcome we kept.
            final = mes_exact(profile, fair_share + increments - 1, tie_key)
            return MesOutcome(final, first, increments - 1, runs + 1)
        chosen = set(sequence)
        left = [j for j in candidates if j not in chosen]
        exhaustive = all(spent + profile.costs[j] > budget for j in left)
        if not left or (exhaustive and add1_stop == "exhaustive"):
            final = first if increments == 0 else mes_exact(profile, fair_share + increments, tie_key)
            return MesOutcome(final, first, increments, runs + (increments > 0))
        if same_until is None:
            raise ArithmeticError("MES outcome can never change although projects are left")
        # The same selection up to same_until, so the stop tests above give the same answer there.
        increments = same_until
        # Where the order of selection just changed from one rupiah to the next it often changes
        # again at the next: step there. Where it held, try to prove a stretch.
        while proof == "interval" and stable:
            proven = _IntervalRun(profile, fair_share + increments, fair_share + increments + stretch, tie_key).sequence()
            runs += 1
            if proven is not None:
                if proven != sequence:
                    raise ArithmeticError("a proven stretch of budgets disagrees with the run at its start")
                increments += stretch
                stretch *= 2
                unproven = 0
            elif stretch > 2:
                stretch //= 2
            else:
                unproven += 1
                break
        increments += 1
        runs += 1
        if proof == "interval" and unproven < _STEPS_BEFORE_PARAMETRIC * (1 if len(profile.mult) <= _SMALL else 16):
            following = mes_once(profile, budget, fair_share + increments, tie_key, exact=False).selected
            stable, sequence, same_until = following == sequence, following, increments
            if not stable:
                unproven = 0
        else:
            # A tie that lasts (the order holds from rupiah to rupiah but no stretch can be
            # proven), or small profiles: the exact parametric run says how far this run holds
            # (None: for every larger budget).
            run, jump = mes_parametric(profile, fair_share + increments, tie_key)
            sequence, unproven, stable = run.selected, 0, True
            same_until = None if jump is None else increments + jump - 1


# After this many one-rupiah steps in a row where the order held but no stretch of two rupiah
# could be proven, the loop asks mes_parametric how far to jump; 16 times
# as many when the profile has more than _SMALL groups, where a parametric run costs seconds.
_STEPS_BEFORE_PARAMETRIC = 4
_SMALL = 1000
