"""Our tally rules against the reference library pabutools on real city-scale pabulib files.

    .venv/bin/python -m bench --only tally [--quick]

For each file and rule: the time of one run of ours and of pabutools on the same parsed
election (parsing is not timed for either), the ratio, and whether both select the same set.
Ours is timed end to end from the parsed ballots (grouping identical ballots, the rule,
the input hash and the plain-language reasons); plain MES (no add1 completion) calls the
engine's MES directly, since a round always tallies MES with add1.

`--quick` skips the slowest reference run (pabutools' MES + add1 on Warszawa 2026, about
12 minutes on these machines) and says so in the table.

First, end to end on Lodz 2022 (MES + add1), what issue 16 compares: the whole command
`manage.py tally --sync` (a new Python process: start-up, reading 90,494 ballots from
PostgreSQL, the tally, the snapshot), and the tally inside a warm process (what the worker does
for the admin's "tally" button: services.tally_round_execute after one run to warm up), against
pabutools parsing the same file and running MES + add1 in a process of its own. Wall and CPU
seconds of each (children's rusage); on a shared machine the CPU ratio is the steady one.
pabutools takes minutes (25 of them on a loaded 2-core machine), so its figure is cached in
var/bench/ per pabutools version and file; BENCH_PABUTOOLS_AGAIN=1 measures it again.
BENCH_TALLY_COMMAND_ONLY=1 runs only this part.
"""

from __future__ import annotations

import os
import sys
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


LODZ = "Poland_Lodz_2022.pb"
LODZ_SLUG = "bench-lodz-2022"
REPO = Path(__file__).resolve().parent.parent

# What the pabutools process runs: parse the file, count supporters for our tie-breaking, MES + add1.
PABUTOOLS_SCRIPT = """
import json, sys
from pabutools.election import Cost_Sat, parse_pabulib
from pabutools.rules import method_of_equal_shares
from pabutools.tiebreaking import TieBreakingRule
instance, profile = parse_pabulib(sys.argv[1])
supporters = {}
for ballot in profile:
    for project in ballot:
        supporters[project.name] = supporters.get(project.name, 0) + 1
rule = TieBreakingRule(lambda i, p, project: (project.cost, -supporters.get(project.name, 0), project.name))
outcome = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=1, tie_breaking=rule)
print(json.dumps(sorted(project.name for project in outcome)))
"""


def _child(args: list[str], **kwargs) -> tuple[str, float, float]:
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True, **kwargs)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return done.stdout, wall, cpu


def pabutools_lodz(path: Path) -> dict:
    """pabutools on the file, from the cache when it has this version and file."""
    import hashlib
    import json
    from importlib.metadata import version

    key = f"{version('pabutools')}-{hashlib.sha256(path.read_bytes()).hexdigest()[:16]}"
    cache = REPO / "var" / "bench" / f"pabutools-{path.stem}-{key}.json"
    if cache.exists() and not os.environ.get("BENCH_PABUTOOLS_AGAIN"):
        return {**json.loads(cache.read_text()), "cached": True}
    out, wall, cpu = _child([sys.executable, "-c", PABUTOOLS_SCRIPT, str(path)])
    figure = {"wall": wall, "cpu": cpu, "selected": json.loads(out),
              "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load": os.getloadavg()[0]}
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(figure))
    return {**figure, "cached": False}


def lodz_end_to_end(shared: Path) -> list[dict]:
    from django.core.management import call_command

    from rounds.models import Round
    from voting import services

    path = shared / "data" / "pabulib" / LODZ
    if not Round.objects.filter(slug=LODZ_SLUG).exists():
        call_command("import_pabulib", str(path), "--round", LODZ_SLUG)
    round_ = Round.objects.get(slug=LODZ_SLUG)
    reference = pabutools_lodz(path)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "manage.py", "tally", LODZ_SLUG, "--rule", "mes", "--sync", "--json", "-"]
    runs = [_child(command, cwd=REPO, env=env) for _ in range(3)]
    out, wall, cpu = min(runs, key=lambda run: run[2])
    import json

    ours = set(json.loads(out)["areas"][0]["selected"])

    services.tally_round_execute(round=round_, rule="mes")  # warm: imports, URLs, templates
    warm = []
    for _ in range(3):
        started, started_cpu = time.perf_counter(), time.process_time()
        services.tally_round_execute(round=round_, rule="mes")
        warm.append((time.perf_counter() - started, time.process_time() - started_cpu))
    warm_wall, warm_cpu = min(warm, key=lambda pair: pair[1])

    area = round_.areas.get()
    from voting import selectors
    from voting.tally import Project, tally

    reading = {}
    for name, read in (("one row per ballot (services.area_ballots, what area_tally read before)", services.area_ballots),
                       ("identical ballots counted by PostgreSQL (services.area_ballot_groups, what area_tally reads)",
                        services.area_ballot_groups)):
        times = []
        for _ in range(3):
            started, started_cpu = time.perf_counter(), time.process_time()
            ballots = read(round=round_, area=area)
            read_wall, read_cpu = time.perf_counter() - started, time.process_time() - started_cpu
            projects = [Project(pid, int(cost)) for pid, cost in sorted(selectors.ballot_project_costs(area).items())]
            tally(rule="mes", budget=area.budget, projects=projects, ballots=ballots, add1_stop=round_.add1_stop)
            times.append((read_wall, read_cpu, time.perf_counter() - started, time.process_time() - started_cpu,
                          len(ballots.items)))
        reading[name] = min(times, key=lambda t: t[3])

    same = "yes" if set(reference["selected"]) == ours else "NO"
    source = "cached: " + reference.get("measured", "") if reference["cached"] else "measured now"
    rows = [
        {"what": f"pabutools: parse {LODZ} + MES + add1, own process ({source}, load {reference.get('load', 0):.1f})",
         "wall (s)": reference["wall"], "CPU (s)": reference["cpu"], "pabutools / this, wall": "1x",
         "pabutools / this, CPU": "1x", "same winners": ""},
        {"what": f"manage.py tally --rule mes --sync, own process (best of 3 by CPU, load {os.getloadavg()[0]:.1f}; "
                 "CPU seconds grow with the machine's load, so compare with a pabutools figure of a similar load)",
         "wall (s)": wall, "CPU (s)": cpu, "pabutools / this, wall": f"{reference['wall'] / wall:,.0f}x",
         "pabutools / this, CPU": f"{reference['cpu'] / cpu:,.0f}x", "same winners": same},
        {"what": "services.tally_round_execute in a warm process, as the worker runs it (best of 3)",
         "wall (s)": warm_wall, "CPU (s)": warm_cpu, "pabutools / this, wall": f"{reference['wall'] / warm_wall:,.0f}x",
         "pabutools / this, CPU": f"{reference['cpu'] / warm_cpu:,.0f}x", "same winners": same},
    ]
    for name, (read_wall, read_cpu, both_wall, both_cpu, items) in reading.items():
        rows.append({"what": f"reading the ballots: {name}, {items:,} rows", "wall (s)": read_wall, "CPU (s)": read_cpu,
                     "pabutools / this, wall": "", "pabutools / this, CPU": "", "same winners": ""})
        rows.append({"what": "  the same reading + tally() (MES + add1), no snapshot written", "wall (s)": both_wall,
                     "CPU (s)": both_cpu, "pabutools / this, wall": f"{reference['wall'] / both_wall:,.0f}x",
                     "pabutools / this, CPU": f"{reference['cpu'] / both_cpu:,.0f}x", "same winners": ""})
    for row in rows:
        print(row, flush=True)
    return rows


def run(shared: Path, quick: bool = False) -> list[dict]:
    from tests.voting.tally.pabutools_bridge import build
    from voting.tally import parse_pabulib

    rows = lodz_end_to_end(shared)
    if os.environ.get("BENCH_TALLY_COMMAND_ONLY"):
        return rows
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
