"""A Balikpapan-shaped round tallied by MES + add1 in rupiah: 41 areas, 500,000 voters, one worker.

    .venv/bin/python -m bench --only city_mes

The round: one area per kelurahan (34), per kecamatan (6) and the city, pagu as in the demo
(proposals/demo.py: Rp0,8 to 1,5 miliar per kelurahan, Rp3 miliar per kecamatan, Rp15 miliar
for the city), project costs drawn from the demo's cost ranges and fitted to a third of the
pagu as the demo's valuation does. 500,000 voters are spread over the kecamatan by their
population (../shared/data/balikpapan_kecamatan_population.csv) and over the kelurahan of each
kecamatan at random; every voter casts three approval ballots (kelurahan, kecamatan, city) of
1 to 5 projects, some projects more popular than others. The pure engine tallies every area in
one process (ballots already in memory, as the worker holds them after its one query); the
figure is the whole round. Generated from a fixed seed, so every run counts the same round.
"""

from __future__ import annotations

import csv
import random
import time
from pathlib import Path

VOTERS = 500_000
SEED = 2026


def _cost_ranges() -> list[tuple[int, int]]:
    from proposals.demo import PROJECTS

    return [low_high for *_rest, low_high in PROJECTS]


def build_round(shared: Path, voters: int = VOTERS, seed: int = SEED):
    """[(area code, pagu, projects, Ballots)] for the 41 areas."""
    from proposals.demo import CITY_BUDGET, KECAMATAN_BUDGET, KELURAHAN_BUDGETS
    from voting.tally import Ballots, Project

    rng = random.Random(seed)
    with open(shared / "data" / "balikpapan_kecamatan_population.csv", encoding="utf-8") as handle:
        population = {row["kode"]: int(row["population_2024_s1"]) for row in csv.DictReader(handle)}
    with open(shared / "data" / "balikpapan_wilayah.csv", encoding="utf-8") as handle:
        kelurahan = [row["kode"] for row in csv.DictReader(handle)]
    kecamatan = sorted(population)
    ranges = _cost_ranges()

    def projects_for(code: str, pagu: int, count: int) -> tuple[list, list[float]]:
        ceiling = max(pagu // 3, 50_000_000)
        projects = []
        for n in range(count):
            low, high = rng.choice(ranges)
            cost = min(rng.randint(low, high) * 1_000_000, ceiling) // 1_000_000 * 1_000_000 or 50_000_000
            projects.append(Project(f"{code}-{n + 1}", cost))
        return projects, [rng.uniform(0.2, 1.0) for _ in projects]

    areas = {code: (rng.choice(KELURAHAN_BUDGETS), 6 + rng.randint(0, 8)) for code in kelurahan}
    areas.update({code: (KECAMATAN_BUDGET, 15) for code in kecamatan})
    areas["64.71"] = (CITY_BUDGET, 30)
    made = {code: projects_for(code, pagu, count) for code, (pagu, count) in areas.items()}
    ballots: dict[str, list[tuple[str, ...]]] = {code: [] for code in areas}

    def approval(code: str) -> tuple[str, ...]:
        projects, weights = made[code]
        length = min(len(projects), rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 5]))
        picked = set()
        while len(picked) < length:
            picked.add(rng.choices(range(len(projects)), weights=weights)[0])
        return tuple(projects[j].id for j in sorted(picked))

    total = sum(population.values())
    for kec in kecamatan:
        own = [code for code in kelurahan if code.startswith(kec + ".")]
        share = [rng.uniform(0.5, 1.5) for _ in own]
        for _ in range(round(voters * population[kec] / total)):
            kel = rng.choices(own, weights=share)[0]
            for code in (kel, kec, "64.71"):
                ballots[code].append(approval(code))
    return [
        (code, areas[code][0], made[code][0], Ballots(kind="approval", items=ballots[code]))
        for code in sorted(areas, key=lambda c: (-len(c), c))
    ]


def run(shared: Path) -> list[dict]:
    from voting.tally import tally

    started = time.perf_counter()
    round_ = build_round(shared)
    print(f"built the round in {time.perf_counter() - started:,.1f} s", flush=True)
    rows, runs_total, seconds_total, cpu_total, ballots_total = [], 0, 0.0, 0.0, 0
    for code, pagu, projects, ballots in round_:
        began, began_cpu = time.perf_counter(), time.process_time()
        result = tally(rule="mes", budget=pagu, projects=projects, ballots=ballots)
        seconds, cpu = time.perf_counter() - began, time.process_time() - began_cpu
        runs_total += result.params["add1_runs"]
        seconds_total += seconds
        cpu_total += cpu
        ballots_total += len(ballots.items)
        rows.append({
            "area": code, "ballots": len(ballots.items), "projects": len(projects), "pagu (Rp)": f"{pagu:,}",
            "selected": len(result.selected), "add1 rupiah": f"{result.params['add1_increments']:,}",
            "MES runs": result.params["add1_runs"], "seconds": seconds, "CPU seconds": cpu,
        })
        print(rows[-1], flush=True)
    rows.append({"area": "whole round (41 areas)", "ballots": ballots_total, "projects": sum(r["projects"] for r in rows),
                 "pagu (Rp)": "", "selected": sum(r["selected"] for r in rows), "add1 rupiah": "",
                 "MES runs": runs_total, "seconds": seconds_total, "CPU seconds": cpu_total})
    slowest = max(rows[:-1], key=lambda row: row["seconds"])
    rows.append({"area": f"slowest area ({slowest['area']})", "ballots": slowest["ballots"], "projects": slowest["projects"],
                 "pagu (Rp)": slowest["pagu (Rp)"], "selected": slowest["selected"], "add1 rupiah": slowest["add1 rupiah"],
                 "MES runs": slowest["MES runs"], "seconds": slowest["seconds"], "CPU seconds": slowest["CPU seconds"]})
    return rows
