"""Our tally rules against the reference library pabutools on real city-scale pabulib files.

    .venv/bin/python -m bench --only tally [--quick]

For each file and rule: the time of one run of ours and of pabutools on the same parsed
election (parsing is not timed for either), the ratio, and whether both select the same set.
Ours is timed end to end from the parsed ballots (grouping identical ballots, the rule,
the input hash and the plain-language reasons); plain MES (no add1 completion) calls the
engine's MES directly, since a round always tallies MES with add1.

`--quick` skips the slowest reference run (pabutools' MES + add1 on Warszawa 2026, about
12 minutes on these machines) and says so in the table.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

FILES = ["Poland_Warszawa_2026.pb", "Poland_Lodz_2022.pb"]
SLOW_REFERENCE = {("Poland_Warszawa_2026.pb", "mes+add1")}


def _timed(function, *args):
    started, started_cpu = time.perf_counter(), time.process_time()
    value = function(*args)
    _timed.cpu = time.process_time() - started_cpu
    return value, time.perf_counter() - started


def _ours(rule: str, projects, ballots, budget: int) -> set[str]:
    from voting.tally import tally
    from voting.tally.engine import tie_key
    from voting.tally.mes import MesProfile, method_of_equal_shares

    if rule == "greedy":
        return set(tally(rule="greedy", budget=budget, projects=projects, ballots=ballots).selected)
    if rule == "mes+add1":
        return set(tally(rule="mes", budget=budget, projects=projects, ballots=ballots).selected)
    index = {p.id: j for j, p in enumerate(projects)}
    groups = Counter(tuple(sorted(index[pid] for pid in approved)) for approved in ballots.approval_sets())
    profile = MesProfile.from_groups([p.cost for p in projects], groups)
    outcome = method_of_equal_shares(
        profile, budget, tie_key=lambda j: tie_key(projects[j], profile.approval_count[j]), add1=False
    )
    return {projects[j].id for j in outcome.final.selected}


def _reference(rule: str, instance, profile, supporters) -> set[str]:
    from tests.voting.tally.pabutools_bridge import pabutools_greedy, pabutools_mes

    if rule == "greedy":
        return pabutools_greedy(instance, profile, supporters)
    return pabutools_mes(instance, profile, supporters, add1=(rule == "mes+add1"))


def run(shared: Path, quick: bool = False) -> list[dict]:
    from tests.voting.tally.pabutools_bridge import build
    from voting.tally import parse_pabulib

    rows = []
    for name in FILES:
        parsed = parse_pabulib(shared / "data" / "pabulib" / name)
        projects, ballots, budget = parsed.project_list(), parsed.to_ballots(), parsed.budget
        instance, profile = build(projects, ballots, budget)
        supporters = Counter(pid for approved in ballots.approval_sets() for pid in approved)
        for rule in ("greedy", "mes", "mes+add1"):
            ours, ours_s = _timed(_ours, rule, projects, ballots, budget)
            row = {
                "file": name,
                "voters": len(ballots.items),
                "projects": len(projects),
                "rule": rule,
                "ours (s)": ours_s,
                "ours CPU (s)": _timed.cpu,
                "selected": len(ours),
            }
            if quick and (name, rule) in SLOW_REFERENCE:
                row.update({"pabutools (s)": "skipped (--quick)", "pabutools / ours": "", "same winners": ""})
            else:
                reference, reference_s = _timed(_reference, rule, instance, profile, supporters)
                row.update({
                    "pabutools (s)": reference_s,
                    "pabutools CPU (s)": _timed.cpu,
                    "pabutools / ours": f"{reference_s / ours_s:,.0f}x",
                    "same winners": "yes" if reference == ours else f"NO: ours-only {sorted(ours - reference)}, "
                                                                  f"pabutools-only {sorted(reference - ours)}",
                })
            print(row, flush=True)
            rows.append(row)
    return rows
