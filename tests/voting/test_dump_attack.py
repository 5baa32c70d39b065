"""The dump attack (SPEC 4, issue 11): can a database dump or read-only SQL link a ballot to the
person who cast it? Real PostgreSQL, real `pg_dump`, ballots cast through the service from several
connections at once, some of them changed.

How many links would chance give? Every attack below pairs each participation (which names the
voter) with one ballot of the same area, using only what the dump or SQL shows: row order, ids,
transaction ids. If the ballots are stored in an order drawn at random, independently of the
voters, then whatever bijection the attacker picks, the number of correct pairs is distributed as
the number of fixed points of a uniformly random permutation of n: its mean is 1 and, for any t,
P(at least t correct) <= C(n, t) * (n - t)! / n! = 1 / t!  (union bound over the t-sets that
would all have to be right). We assert fewer than LINK_BOUND = 10 correct pairs per attack: a
correct implementation fails this with probability at most 1/10! < 3e-7 per attack, while the
storage before issue 11 let each of these attacks link most ballots.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import threading

import pytest
from django.db import connection

from rounds.models import Phase, Round
from voting import services, tasks
from voting.selectors import voter_key

from .conftest import make_round, project_ids, resident_with_nik

pytestmark = pytest.mark.django_db(transaction=True)

LINK_BOUND = 10
VOTERS = 300
CHANGERS = 60
CONNECTIONS = 3


def _in_threads(jobs: list, action) -> None:
    """Run `action(job)` for every job, spread over CONNECTIONS threads (each its own connection)."""
    errors: list[BaseException] = []

    def worker(chunk):
        try:
            for job in chunk:
                action(job)
        except BaseException as error:  # noqa: BLE001 - re-raised in the main thread below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(jobs[i::CONNECTIONS],)) for i in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not errors, errors[:3]


def _vote(area, voters, rng) -> None:
    ids = project_ids(area)
    options = [[ids[0]], [ids[1]], [ids[0], ids[2]], [ids[3], ids[4]], [ids[1], ids[2], ids[3]]]
    _in_threads(voters, lambda user: services.ballot_cast(voter=user, area=area, choices=rng.choice(options)))


def _pg_dump_rows(table: str) -> list[list[str]]:
    """The rows of `table` in the order `pg_dump --data-only` writes them, as lists of column texts."""
    settings = connection.settings_dict
    command = [shutil.which("pg_dump") or "pg_dump", "--data-only", f"--table=public.{table}",
               "-h", settings["HOST"] or "127.0.0.1", "-p", str(settings["PORT"] or 5432),
               "-U", settings["USER"] or "postgres", settings["NAME"]]
    env = {"PGPASSWORD": settings["PASSWORD"] or "", "PATH": "/usr/bin:/bin"}
    dump = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    rows, columns, inside = [], [], False
    for line in dump.splitlines():
        if line.startswith(f"COPY public.{table} "):
            columns = [c.strip() for c in line[line.index("(") + 1:line.index(")")].split(",")]
            inside = True
        elif inside and line == "\\.":
            inside = False
        elif inside:
            rows.append(dict(zip(columns, line.split("\t"), strict=True)))
    return rows


def _truth(area) -> dict[str, str]:
    """participation id -> the voter_key of that voter's ballot (what only BALLOT_KEY can tell)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, nik_hash FROM voting_participation WHERE area_id = %s", [area.pk])
        return {str(pid): voter_key(nik_hash=h, round_id=area.round_id, area_id=area.pk) for pid, h in cursor.fetchall()}


def _correct(pairs, truth) -> int:
    return sum(1 for participation_id, key in pairs if truth.get(participation_id) == key)


def _attacks(area, truth: dict[str, str]) -> dict[str, int]:
    """Correct links per attack, counted over the participations in `truth` and the stored ballots."""
    participations = [r for r in _pg_dump_rows("voting_participation")
                      if r["area_id"] == str(area.pk) and r["id"] in truth]
    ballots = [r for r in _pg_dump_rows("voting_ballot") if r["area_id"] == str(area.pk)]
    by_id = sorted(participations, key=lambda r: int(r["id"]))
    found = {}
    # 1. the i-th participation of the area (by id, or in dump order) with the i-th ballot in dump order
    found["dump order"] = max(
        _correct(((p["id"], b["voter_key"]) for p, b in zip(order, ballots, strict=False)), truth)
        for order in (by_id, participations)
    )
    # 2. ... with the i-th ballot by id
    by_ballot_id = sorted(ballots, key=lambda r: r["id"])
    found["id order"] = _correct(((p["id"], b["voter_key"]) for p, b in zip(by_id, by_ballot_id, strict=False)), truth)
    with connection.cursor() as cursor:
        # 3. read-only SQL: the participation written in a savepoint of the ballot's transaction,
        # or locked by the transaction that rewrote the ballot
        cursor.execute(
            "SELECT p.id::text, b.voter_key FROM voting_participation p JOIN voting_ballot b "
            "ON b.area_id = p.area_id AND (p.xmin::text::bigint IN (b.xmin::text::bigint, b.xmin::text::bigint + 1) "
            "OR p.xmax::text::bigint = b.xmin::text::bigint) WHERE p.area_id = %s", [area.pk])
        links = cursor.fetchall()
        counts: dict[str, int] = {}
        for pid, _key in links:
            counts[pid] = counts.get(pid, 0) + 1
        # a link counts only where it points at a single ballot: otherwise it is no link at all
        found["xmin/xmax"] = _correct(((pid, key) for pid, key in links if counts[pid] == 1), truth)
        # 4. transaction order: participations by their last transaction id, ballots by theirs
        # (then by position in the table), paired in that order
        cursor.execute("SELECT id::text, greatest(xmin::text::bigint, xmax::text::bigint) FROM voting_participation "
                       "WHERE area_id = %s", [area.pk])
        p_order = [pid for pid, _x in sorted(cursor.fetchall(), key=lambda r: (r[1], int(r[0]))) if pid in truth]
        cursor.execute("SELECT voter_key FROM voting_ballot WHERE area_id = %s ORDER BY xmin::text::bigint, ctid",
                       [area.pk])
        b_order = [key for (key,) in cursor.fetchall()]
        found["xid order"] = _correct(zip(p_order, b_order, strict=False), truth)
    return found


def _close_voting(round_: Round) -> None:
    Round.objects.filter(pk=round_.pk).update(phase=Phase.TALLYING)
    tasks.mix_ballots()


def test_after_voting_closes_no_dump_or_sql_attack_links_more_than_chance():
    rng = random.Random(11)
    round_ = make_round()
    area = round_.test_areas["kel"]
    voters = [resident_with_nik()[0] for _ in range(VOTERS)]
    _vote(area, voters, rng)
    _vote(area, rng.sample(voters, CHANGERS), rng)  # some change their mind
    _close_voting(round_)

    truth = _truth(area)
    assert len(truth) == VOTERS
    stored = {r["voter_key"] for r in _pg_dump_rows("voting_ballot") if r["area_id"] == str(area.pk)}
    assert stored == set(truth.values())  # every ballot is there, once, and counted
    found = _attacks(area, truth)
    print("links after closing:", found)
    assert all(n < LINK_BOUND for n in found.values()), found


def test_demo_ballots_seeded_in_bulk_are_not_linked():
    from accounts.demo import seed_users
    from voting import demo

    round_ = make_round(slug=demo.RESULTS_ROUND, phase=Phase.RESULTS)
    demo.seed(users=seed_users(), size="small", stdout=type("Out", (), {"write": staticmethod(print)}))
    for key in ("kel", "kota"):
        area = round_.test_areas[key]
        truth = _truth(area)
        assert len(truth) >= 100
        found = _attacks(area, truth)
        print(f"links in the demo {key} area:", found)
        assert all(n < LINK_BOUND for n in found.values()), found


def test_during_voting_ballots_older_than_the_window_are_not_linked(settings):
    rng = random.Random(12)
    round_ = make_round()
    area = round_.test_areas["kel"]
    voters = [resident_with_nik()[0] for _ in range(VOTERS)]
    first, late = voters[:-5], voters[-5:]
    _vote(area, first, rng)
    _vote(area, rng.sample(first, CHANGERS), rng)
    assert len(first) >= settings.BALLOT_MIX_MIN_PENDING
    tasks.mix_ballots()  # the beat: at least k ballots are waiting, so they are mixed
    _vote(area, late, rng)  # fewer than k: these wait, sealed, for the next mix
    tasks.mix_ballots()

    truth = _truth(area)
    late_keys = {voter_key(nik_hash=u.nik_hash, round_id=round_.pk, area_id=area.pk) for u in late}
    older = {pid: key for pid, key in truth.items() if key not in late_keys}
    stored = {r["voter_key"] for r in _pg_dump_rows("voting_ballot") if r["area_id"] == str(area.pk)}
    assert stored == set(older.values())  # the older ballots are all mixed; the late ones still wait
    found = _attacks(area, older)
    print("links during voting:", found)
    assert all(n < LINK_BOUND for n in found.values()), found
