"""`make bench`: runs every benchmark of bench/ and writes BENCHMARKS.md.

Each module has `run(...)` returning rows (dicts) or a dict of figures. Ratios are compared
within one run on one machine; absolute times on these shared machines vary.
"""

import argparse
import datetime as dt
import importlib
import os
import platform
import sys
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"

# (module, title, how to call it)
SUITES = [
    ("bench.tally_bench", "Tally rules: ours against pabutools", lambda m, quick: _call_with_quick(m.run, quick, SHARED)),
    ("bench.city_mes_bench", "A Balikpapan-shaped round by MES + add1 in rupiah (41 areas, 500,000 voters)",
     lambda m, quick: m.run(SHARED)),
    ("bench.voting_bench", "City-scale tally from the database against a bare SQL GROUP BY", lambda m, quick: m.run()),
    ("bench.notifications_bench", "Notification fan-out", lambda m, quick: m.run()),
    ("bench.pages_bench", "Pages under gunicorn against a trivial Django view", lambda m, quick: m.run()),
    ("bench.search_bench", "?q= on 10,000 proposals: stored, GIN-indexed document against a vector computed per row",
     lambda m, quick: m.run()),
]


def _call_with_quick(function, quick: bool, *args):
    import inspect

    if "quick" in inspect.signature(function).parameters:
        return function(*args, quick=quick)
    return function(*args)


def markdown_table(rows: list[dict]) -> str:
    if not rows:
        return "(no rows)\n"
    columns = list(dict.fromkeys(key for row in rows for key in row))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(c, "")) for c in columns) + " |")
    return "\n".join(lines) + "\n"


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 100 else f"{value:,.1f}"
    return str(value).replace("|", "\\|")


def _merge(previous: str, fresh: list[str]) -> list[str]:
    """The previous file's sections, with those run now replaced (by their heading) and a
    line saying when each part was measured."""
    header, *_ = fresh
    kept = {}
    for part in previous.split("\n## ")[1:]:
        title = part.split("\n", 1)[0]
        kept[title] = "## " + part.rstrip("\n") + "\n"
    for section in fresh[2:]:
        kept[section.split("\n", 1)[0][3:]] = section
    note = "Each suite says when it ran (`make bench BENCH_ARGS=--only=...` reruns one); compare ratios within a suite.\n"
    stamp = fresh[1]
    ordered = [kept[title] for _module, title, _call in SUITES if title in kept]
    ordered += [text for title, text in kept.items() if title not in {t for _m, t, _c in SUITES}]
    return [header, stamp, note, *ordered]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip the slowest reference runs (said in the output)")
    parser.add_argument("--only", help="run only the suites whose module name contains this")
    parser.add_argument("--out", default=str(REPO / "BENCHMARKS.md"))
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "balikpapan_pb.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    sections = [
        "# Benchmarks\n",
        f"Written by `make bench` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.node()} ({os.cpu_count()} cores, Python {platform.python_version()}). "
        "Compare the ratios, measured in one run; absolute times vary on shared machines.\n",
    ]
    failed = False
    for module_name, title, call in SUITES:
        if options.only and options.only not in module_name:
            continue
        print(f"== {title} ({module_name})", flush=True)
        started = time.perf_counter()
        try:
            module = importlib.import_module(module_name)
            result = call(module, options.quick)
        except Exception:
            failed = True
            traceback.print_exc()
            sections.append(f"## {title}\n\nFAILED:\n\n```\n{traceback.format_exc()}```\n")
            continue
        rows = result if isinstance(result, list) else [result]
        table = markdown_table(rows)
        print(table, flush=True)
        sections.append(f"## {title}\n\n{table}\n(suite took {time.perf_counter() - started:,.0f} s, "
                        f"run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)\n")
    out = Path(options.out)
    if options.only and out.exists():  # keep the other suites' figures from their last run
        sections = _merge(out.read_text(encoding="utf-8"), sections)
    out.write_text("\n".join(sections), encoding="utf-8")
    print(f"wrote {options.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
