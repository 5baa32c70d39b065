"""City-scale tally from the database against a bare SQL GROUP BY over the same votes.

    DJANGO_SETTINGS_MODULE=balikpapan_pb.settings.test DATABASE_URL=postgres://.../sw_vote_bench \
        .venv/bin/python -m bench.voting_bench [VOTERS]

Seeds (once, with COPY) a round with one city area, 60 projects and VOTERS ballots (default
500,000) of 3 to 8 projects each, then times, best of 3:
- ours: `voting.services.area_tally(rule="greedy")`: read every ballot from PostgreSQL, build
  the engine's input, run voting.tally, hash the input, store (or find) the snapshot;
- bare SQL: `SELECT project, count(*) FROM ballots, jsonb_array_elements_text(choices) GROUP BY project`.
Also the throughput of ballot submissions (service calls with a fresh voter each) against a
trivial insert, both in-process, as a smaller figure.
"""

import io
import os
import random
import sys
import time
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "balikpapan_pb.settings.test")

SLUG = "bench-city-scale"
PROJECTS = 60


def _setup() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _seed(voters: int):
    from django.db import connection

    from proposals.models import Proposal, Status
    from rounds.models import Area, AreaLevel, Category, Round
    from voting.models import Ballot

    round_ = Round.objects.filter(slug=SLUG).first()
    if round_ is not None and Ballot.objects.filter(round=round_).count() == voters:
        return round_, round_.areas.get(), 0.0
    if round_ is not None:
        _drop_round(SLUG)
    round_ = Round.objects.create(name="Bench city", year=2027, slug=SLUG, ballot_type="approval", max_choices=8, phase="tallying")
    area = Area.objects.create(round=round_, level=AreaLevel.KOTA, code="64.71", name="Kota Balikpapan", budget=50_000_000_000)
    category, _ = Category.objects.get_or_create(slug="jalan-jembatan", defaults={"name": "Jalan", "name_en": "Roads"})
    rng = random.Random(500_000)
    proposals = Proposal.objects.bulk_create(
        Proposal(round=round_, area=area, category=category, title=f"Proyek {i}", description="bench",
                 estimated_cost=rng.randrange(100, 5000) * 1_000_000, status=Status.FEASIBLE)
        for i in range(PROJECTS)
    )
    ids = [str(p.pk) for p in proposals]
    weights = [rng.random() ** 2 for _ in ids]
    started = time.perf_counter()
    chunk = 50_000
    with connection.cursor() as cursor:
        for start in range(0, voters, chunk):
            buffer = io.StringIO()
            for n in range(start, min(start + chunk, voters)):
                picks = sorted(set(rng.choices(ids, weights=weights, k=rng.randint(3, 8))))
                choices = "[" + ",".join(f'"{p}"' for p in picks) + "]"
                buffer.write(f"{uuid.uuid4()}\t{round_.pk}\t{area.pk}\t{n:064x}\t{choices}\tf\tB{n:011d}\n")
            buffer.seek(0)
            with cursor.cursor.copy(
                "COPY voting_ballot (id, round_id, area_id, voter_key, choices, blank, receipt_code) FROM STDIN"
            ) as copy:
                copy.write(buffer.read())
        cursor.execute("ANALYZE voting_ballot")
    return round_, area, time.perf_counter() - started


def _drop_round(slug: str) -> None:
    from proposals.models import Proposal
    from rounds.models import Round

    Proposal.objects.filter(round__slug=slug).delete()  # Proposal.area protects the areas
    Round.objects.filter(slug=slug).delete()


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def _bare_sql(area) -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p, count(*) FROM voting_ballot b, jsonb_array_elements_text(b.choices) p "
            "WHERE b.round_id = %s AND b.area_id = %s GROUP BY p",
            [area.round_id, area.pk],
        )
        return cursor.fetchall()


def _mix(area, pending: int = 100) -> float:
    """One mix: 100 sealed pending ballots moved in, the whole area rewritten in a new random order.
    The 100 ballots are taken out again afterwards, so that the seeded area can be reused."""
    from voting import selectors, services
    from voting.models import Ballot

    hashes = [f"mix-bench-{n}" for n in range(pending)]
    choices = [str(pid) for pid in area.proposals.values_list("pk", flat=True)[:3]]
    services.pending_ballots_bulk_create(area=area, ballots=[(h, choices) for h in hashes])
    started = time.perf_counter()
    moved = services.ballots_mix(area=area, closing=True)
    seconds = time.perf_counter() - started
    assert moved == pending
    keys = [selectors.voter_key(nik_hash=h, round_id=area.round_id, area_id=area.pk) for h in hashes]
    Ballot.objects.filter(round_id=area.round_id, area=area, voter_key__in=keys).delete()
    return seconds


def _submissions(count: int = 200) -> dict:
    """Ballot casts through the service (eligibility, validation, lock, insert) vs a bare ORM insert."""
    from django.db import transaction

    from accounts.identity import nik_hash
    from accounts.models import User
    from notifications.models import Notification  # noqa: F401  (any table would do for the trivial insert)
    from rounds.models import Area, AreaLevel, Round
    from voting import services
    from wilayah.models import Kelurahan
    from wilayah.services import wilayah_ensure

    wilayah_ensure()
    _drop_round("bench-submissions")
    round_ = Round.objects.create(name="Bench submissions", year=2027, slug="bench-submissions", ballot_type="knapsack", phase="voting")
    kel = Kelurahan.objects.get(code="64.71.05.1006")
    area = Area.objects.create(round=round_, level=AreaLevel.KELURAHAN, kelurahan=kel, code=kel.code, name=kel.name, budget=10**9)
    from proposals.models import Proposal, Status
    from rounds.models import Category

    category, _ = Category.objects.get_or_create(slug="jalan-jembatan", defaults={"name": "Jalan", "name_en": "Roads"})
    projects = [Proposal.objects.create(round=round_, area=area, category=category, title=f"P{i}", description="b",
                                        estimated_cost=100_000_000, status=Status.FEASIBLE) for i in range(10)]
    User.objects.filter(email__startswith="bench-voter-").delete()
    users = User.objects.bulk_create(
        User(email=f"bench-voter-{i}@bench.local", full_name="Bench", nik_hash=nik_hash(f"64710515019{i:05d}"),
             birth_year=1990, kelurahan=kel, password="!")
        for i in range(count)
    )
    choice = [str(projects[0].pk), str(projects[3].pk)]
    area = Area.objects.select_related("round").get(pk=area.pk)
    started = time.perf_counter()
    for user in users:
        services.ballot_cast(voter=user, area=area, choices=choice)
    ours = time.perf_counter() - started
    from voting.models import TallyRun

    started = time.perf_counter()
    for _ in range(count):
        with transaction.atomic():
            TallyRun.objects.create(round=round_, rule="greedy")
    trivial = time.perf_counter() - started
    _drop_round("bench-submissions")
    User.objects.filter(email__startswith="bench-voter-").delete()
    return {"ours_per_s": count / ours, "trivial_per_s": count / trivial}


def run(voters: int = 500_000) -> list[dict]:
    _setup()
    from voting import services
    from voting.models import ResultSnapshot

    round_, area, seed_s = _seed(voters)
    ResultSnapshot.objects.filter(round=round_).delete()
    sql_rows = _bare_sql(area)
    snapshot = services.area_tally(round=round_, area=area, rule="greedy")
    ours_votes = {p["id"]: p["votes"] for p in snapshot.result["projects"]}
    assert ours_votes == {pid: n for pid, n in sql_rows if n} | {pid: 0 for pid in ours_votes if pid not in dict(sql_rows)}
    sql_s = _best(lambda: _bare_sql(area))
    ours_s = _best(lambda: services.area_tally(round=round_, area=area, rule="greedy"))
    rows = [
        {"figure": f"greedy tally of {voters:,} ballots from PostgreSQL (ours)", "seconds": ours_s, "ratio": ours_s / sql_s},
        {"figure": "bare SQL GROUP BY over the same votes", "seconds": sql_s, "ratio": 1.0},
    ]
    if seed_s:
        rows.append({"figure": f"seeding {voters:,} ballots with COPY", "seconds": seed_s, "ratio": ""})
    mix_s = _mix(area)
    rows.append({"figure": f"mixing 100 pending ballots into the {voters:,} of the area (whole area rewritten)",
                 "seconds": mix_s, "ratio": mix_s / sql_s})
    sub = _submissions()
    rows.append({"figure": "one ballot cast through the service (eligibility, validation, lock, insert)", "seconds": 1 / sub["ours_per_s"],
                 "ratio": sub["trivial_per_s"] / sub["ours_per_s"]})
    rows.append({"figure": "one trivial ORM insert in a transaction (same process)", "seconds": 1 / sub["trivial_per_s"], "ratio": 1.0})
    return rows


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500_000
    for row in run(count):
        ratio = f"{row['ratio']:.2f}x" if isinstance(row["ratio"], float) else ""
        print(f"{row['figure']:<62} {row['seconds']:9.4f} s  {ratio}")
