"""tally(): ballots in, an explained and reproducible result out."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from fractions import Fraction

from . import reasons
from .domain import Ballots, Project, ProjectResult, TallyResult
from .mes import MesOutcome, MesProfile, method_of_equal_shares
from .scoring import Scores, check_projects, compute_scores, input_hash, totals_hash

RULES = ("greedy", "mes", "borda")
ADD1_STOPS = ("exhaustive", "infeasible")


def tally(
    *,
    rule: str,
    budget: int,
    projects: list[Project],
    ballots: Ballots,
    add1_stop: str = "exhaustive",
) -> TallyResult:
    """Select projects within ``budget`` by ``rule`` ("greedy", "mes" or "borda").

    Ties are broken by lowest cost, then most supporters, then project id as text.
    ``add1_stop`` only matters for MES: "exhaustive" stops the add1 completion at the first
    outcome to which nothing more fits (pabutools), "infeasible" keeps raising the voters'
    budget until the next step would overspend.
    """
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; expected one of {RULES}")
    if add1_stop not in ADD1_STOPS:
        raise ValueError(f"add1_stop must be one of {ADD1_STOPS}, got {add1_stop!r}")
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 0:
        raise ValueError("budget must be a non-negative int of rupiah")
    if rule == "borda" and ballots.kind != "ranked":
        raise ValueError("the borda rule needs ranked ballots")
    check_projects(projects)
    scores = compute_scores(projects, ballots)
    if rule != "mes":
        return tally_totals(rule=rule, budget=budget, projects=projects, kind=ballots.kind, score=scores.score,
                            supporters=scores.supporters, voters=ballots.voter_count, max_rank=scores.max_rank)
    params: dict[str, object] = {"ballot_kind": ballots.kind}
    if scores.max_rank is not None:
        params["max_rank"] = scores.max_rank
    params["add1_stop"] = add1_stop
    digest = input_hash(rule=rule, budget=budget, projects=projects, scores=scores, kind=ballots.kind, params=params)
    return _tally_mes(budget, projects, ballots, scores, add1_stop, params, digest)


def tally_totals(
    *,
    rule: str,
    budget: int,
    projects: list[Project],
    kind: str,
    score: Mapping[str, int],
    supporters: Mapping[str, int],
    voters: int,
    max_rank: int | None = None,
) -> TallyResult:
    """Greedy or Borda from the totals per project, which is all these rules read.

    A database can count the totals itself (one GROUP BY) instead of handing over every
    ballot; ``tally()`` computes them from the ballots and comes here, so both paths give the
    identical result. The input hash covers the totals: two sets of ballots with the same
    totals have the same greedy and Borda outcome.
    """
    if rule not in ("greedy", "borda"):
        raise ValueError(f"tally_totals counts greedy or borda, not {rule!r}")
    if rule == "borda" and kind != "ranked":
        raise ValueError("the borda rule needs ranked ballots")
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 0:
        raise ValueError("budget must be a non-negative int of rupiah")
    check_projects(projects)
    known = {p.id for p in projects}
    for pid in (*score, *supporters):
        if pid not in known:
            raise ValueError(f"a ballot names unknown project {pid!r}")
    full = Scores(
        score={pid: int(score.get(pid, 0)) for pid in sorted(known)},
        supporters={pid: int(supporters.get(pid, 0)) for pid in sorted(known)},
        max_rank=max_rank,
        ballots=Counter(),
    )
    params: dict[str, object] = {"ballot_kind": kind}
    if max_rank is not None:
        params["max_rank"] = max_rank
    digest = totals_hash(rule=rule, budget=budget, projects=projects, scores=full, voters=voters, kind=kind,
                         params=params)
    return _tally_greedy(rule, budget, projects, kind, full, params, digest, voters)


def tie_key(project: Project, supporters: int) -> tuple[int, int, str]:
    """Lowest cost, then most supporters, then id as text."""
    return (project.cost, -supporters, project.id)


# --- greedy and Borda ------------------------------------------------------------------------


def _tally_greedy(
    rule: str,
    budget: int,
    projects: Sequence[Project],
    kind: str,
    scores: Scores,
    params: dict[str, object],
    digest: str,
    voters: int,
) -> TallyResult:
    order = sorted(projects, key=lambda p: (-scores.score[p.id], *tie_key(p, scores.supporters[p.id])))
    remaining = budget
    selected: list[Project] = []
    lines: dict[str, tuple[bool, str, str]] = {}
    for position, project in enumerate(order, start=1):
        score = scores.score[project.id]
        if project.cost <= remaining:
            why = reasons.greedy_funded(score=score, kind=kind, cost=project.cost, remaining=remaining)
            remaining -= project.cost
            selected.append(project)
            lines[project.id] = (True, *why)
        else:
            why = reasons.greedy_not_funded(
                score=score, kind=kind, cost=project.cost, remaining=remaining, budget=budget, position=position
            )
            lines[project.id] = (False, *why)
    # The rank is the project's turn in the rule's own order (votes or points), the same
    # position its reason names; funded or not is marked beside it, never reordered.
    return _result(rule, budget, selected, order, scores, lines, digest, voters, params)


# --- Method of Equal Shares --------------------------------------------------------------------


def _tally_mes(
    budget: int,
    projects: Sequence[Project],
    ballots: Ballots,
    scores: Scores,
    add1_stop: str,
    params: dict[str, object],
    digest: str,
) -> TallyResult:
    index = {p.id: j for j, p in enumerate(projects)}
    # MES reads every ballot as approval: ranked ballots approve what they list, cumulative
    # ballots what they give points to (Ballots.approval_sets).
    groups: Counter[tuple[int, ...]] = Counter()
    for ballot, count in scores.ballots.items():
        groups[tuple(sorted(index[pid] for pid in _approved(ballot, ballots.kind)))] += count
    profile = MesProfile.from_groups([p.cost for p in projects], groups)
    outcome = method_of_equal_shares(
        profile,
        budget,
        tie_key=lambda j: tie_key(projects[j], profile.approval_count[j]),
        add1_stop=add1_stop,  # type: ignore[arg-type]
    )
    final = outcome.final
    params = {
        **params,
        "voter_budget": _fraction_text(final.voter_budget),
        "add1_increments": outcome.increments,
        "add1_runs": outcome.runs,
    }
    selected = [projects[j] for j in final.selected]
    lines = {p.id: mes_line(j, p, budget, profile, outcome) for j, p in enumerate(projects)}
    by_support = sorted(
        (p for p in projects if not lines[p.id][0]),
        key=lambda p: (-profile.approval_count[index[p.id]], *tie_key(p, profile.approval_count[index[p.id]])),
    )
    return _result("mes", budget, selected, selected + by_support, scores, lines, digest, profile.voters, params,
                   votes={p.id: profile.approval_count[index[p.id]] for p in projects})


def _approved(ballot: tuple, kind: str) -> tuple[str, ...]:
    # Canonical cumulative ballots are (id, points) pairs with zero points already dropped.
    return tuple(pid for pid, _ in ballot) if kind == "cumulative" else ballot


def mes_line(j: int, project: Project, budget: int, profile: MesProfile, outcome: MesOutcome) -> tuple[bool, str, str]:
    final, first = outcome.final, outcome.first
    supporters = profile.approval_count[j]
    if j in final.price:
        price = final.price[j]
        if j in first.price or outcome.increments == 0:
            why = reasons.mes_funded(supporters=supporters, cost=project.cost, price=price, voter_budget=final.voter_budget)
        else:
            why = reasons.mes_funded_by_add1(
                supporters=supporters,
                cost=project.cost,
                price=price,
                first_budget=first.voter_budget,
                voter_budget=final.voter_budget,
            )
        return (True, *why)
    if supporters == 0:
        return (False, *reasons.mes_no_supporters())
    if project.cost == 0:
        return (False, *reasons.mes_zero_cost())
    if project.cost > budget:
        return (False, *reasons.over_whole_budget(cost=project.cost, budget=budget))
    if final.voter_budget * supporters < project.cost:
        return (False, *reasons.mes_share_too_small(supporters=supporters, cost=project.cost, voter_budget=final.voter_budget))
    # Exact, so that no figure depends on the order in which ballots or projects came in.
    leftover = math.floor(final.left[j])
    return (False, *reasons.mes_share_spent(supporters=supporters, cost=project.cost, leftover=leftover))


# --- shared ---------------------------------------------------------------------------------


def _result(
    rule: str,
    budget: int,
    selected: Sequence[Project],
    ranking: Sequence[Project],
    scores: Scores,
    lines: dict[str, tuple[bool, str, str]],
    digest: str,
    voters: int,
    params: dict[str, object],
    votes: dict[str, int] | None = None,
) -> TallyResult:
    votes = votes if votes is not None else scores.score
    results = [
        ProjectResult(
            id=p.id,
            cost=p.cost,
            votes=votes[p.id],
            selected=lines[p.id][0],
            rank=rank,
            reason_id=lines[p.id][1],
            reason_en=lines[p.id][2],
            supporters=scores.supporters[p.id],
        )
        for rank, p in enumerate(ranking, start=1)
    ]
    return TallyResult(
        rule=rule,
        budget=budget,
        budget_used=sum(p.cost for p in selected),
        selected=[p.id for p in selected],
        projects=results,
        input_hash=digest,
        voters=voters,
        params=params,
    )


def _fraction_text(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
