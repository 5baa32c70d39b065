"""Tallies outlive a lost worker and a broker outage (issue 10).

Real worker processes: `celery -A balikpapan_pb worker` (prefork) and `celery beat` run as
subprocesses against this test's database (transactional, so they see committed rows) and
Redis, with tests/voting/worker_settings.py making every new snapshot take a while."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from rounds.models import Phase
from tests.notifications.conftest import CLOSED_PORT_BROKER, broker_at, wait_until
from voting import services, tasks
from voting.models import ResultSnapshot, TallyRun

from .conftest import BATU_AMPAR, make_round, project_ids, resident_with_nik

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
SLOW_SECONDS = 2.0  # per new snapshot, in the subprocess worker


def tallying_round(slug="ap-tahan-banting"):
    """Four areas with ballots, voting closed."""
    round_ = make_round(slug=slug)
    areas = round_.test_areas
    for key, picks in (("kel", [[4, 3], [4, 0], [4], [1], [2, 0]]), ("kec", [[0, 1], [2], [4]]), ("kota", [[3], [3, 1]])):
        ids = project_ids(areas[key])
        for pick in picks:
            user, _nik = resident_with_nik()
            services.ballot_cast(voter=user, area=areas[key], choices=[ids[i] for i in pick])
    ids = project_ids(areas["other"])
    user, _nik = resident_with_nik(kelurahan_code=BATU_AMPAR)
    services.ballot_cast(voter=user, area=areas["other"], choices=[ids[2]])
    round_.phase = Phase.TALLYING
    round_.save()
    return round_


def snapshots_by_area(round_, rule="greedy") -> dict[str, tuple[str, dict]]:
    snaps = ResultSnapshot.objects.filter(round=round_, rule=rule).select_related("area")
    return {s.area.code + "/" + s.area.level: (s.input_hash, s.result) for s in snaps}


def clean_result(round_, rule="greedy"):
    """What a clean run gives (in this process, no kill), then forgotten so the worker starts afresh."""
    services.tally_round_execute(round=round_, rule=rule)
    expected = snapshots_by_area(round_, rule)
    ResultSnapshot.objects.filter(round=round_).delete()
    return expected


class Processes:
    """Celery worker and beat subprocesses against this test's database and Redis."""

    def __init__(self, tmp_path: Path, extra_env: dict | None = None):
        db = connection.settings_dict
        url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        self.env = {
            **os.environ, "DJANGO_SETTINGS_MODULE": "tests.voting.worker_settings", "DATABASE_URL": url,
            "REDIS_URL": settings.CELERY_BROKER_URL, "SLOW_TALLY_SECONDS": str(SLOW_SECONDS), **(extra_env or {}),
        }
        self.tmp_path = tmp_path
        self.started: list[subprocess.Popen] = []

    def _start(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.tmp_path / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "balikpapan_pb", *args], cwd=REPO, env=self.env,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        process.log_path = self.tmp_path / f"{name}.log"
        self.started.append(process)
        return process

    def worker(self, name: str) -> subprocess.Popen:
        # the tally queue as the README's tally worker consumes it, and `celery` for the sweep
        process = self._start(name, "worker", "-P", "prefork", "-c", "1", "-Q", "tally,celery", "-n", f"{name}@%h",
                              "--without-mingle", "--without-gossip", "--loglevel", "INFO")
        wait_until(lambda: "ready." in process.log_path.read_text() or process.poll() is not None, timeout=60,
                   message=f"worker {name} ready")
        assert process.poll() is None, process.log_path.read_text()
        return process

    def beat(self) -> subprocess.Popen:
        return self._start("beat", "beat", "-s", str(self.tmp_path / "beat-schedule"), "--loglevel", "INFO")

    def stop(self):
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def pool_children(worker: subprocess.Popen) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()]


@pytest.fixture
def processes(transactional_db, tmp_path):
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()  # this test's own Redis db: no old messages
    running = Processes(tmp_path)
    yield running
    running.stop()


def mid_tally(run: TallyRun) -> bool:
    run.refresh_from_db()
    return run.status == TallyRun.Status.RUNNING and run.areas_done >= 1


def assert_finished_like_a_clean_run(round_, run, expected):
    assert run.status == TallyRun.Status.DONE, (run.status, run.error)
    assert snapshots_by_area(round_) == expected  # identical input hashes and results, area by area
    assert ResultSnapshot.objects.filter(round=round_).count() == len(expected) == 4  # no duplicate
    assert sorted(run.snapshot_ids) == sorted(ResultSnapshot.objects.filter(round=round_).values_list("pk", flat=True))
    assert not TallyRun.objects.filter(status__in=[TallyRun.Status.RUNNING, TallyRun.Status.QUEUED]).exists()


def test_a_pool_process_killed_mid_tally_is_replaced_and_the_run_finishes(processes):
    round_ = tallying_round()
    expected = clean_result(round_)
    worker = processes.worker("tally1")
    with transaction.atomic():
        run = services.tally_run_start(round=round_, rule="greedy")
    wait_until(lambda: mid_tally(run), timeout=30, message="the tally under way")
    [child] = pool_children(worker)
    os.kill(child, signal.SIGKILL)
    killed_at = time.monotonic()
    # no beat here: the message itself comes back (acks_late + reject_on_worker_lost)
    wait_until(lambda: run.refresh_from_db() or run.status in ("done", "failed"), timeout=60, message="the re-run")
    seconds = time.monotonic() - killed_at
    print(f"\npool process killed -> tally done: {seconds:.1f} s")  # noqa: T201 (the figure for the report)
    assert_finished_like_a_clean_run(round_, run, expected)
    assert run.attempts == 2
    assert "WorkerLostError" in worker.log_path.read_text()


def test_a_whole_worker_killed_mid_tally_the_next_worker_finishes_the_run(processes):
    round_ = tallying_round()
    expected = clean_result(round_)
    processes.beat()  # exactly one beat, as in production; it outlives the worker
    worker = processes.worker("tally1")
    with transaction.atomic():
        run = services.tally_run_start(round=round_, rule="greedy")
    wait_until(lambda: mid_tally(run), timeout=30, message="the tally under way")
    os.killpg(worker.pid, signal.SIGKILL)  # the main process and its pool, as a lost machine
    killed_at = time.monotonic()
    worker.wait()
    processes.worker("tally2")
    wait_until(lambda: run.refresh_from_db() or run.status in ("done", "failed"), timeout=60, message="the re-run")
    seconds = time.monotonic() - killed_at
    print(f"\nwhole worker killed -> fresh worker -> tally done: {seconds:.1f} s")  # noqa: T201
    assert_finished_like_a_clean_run(round_, run, expected)
    assert run.attempts == 2


def test_a_tally_past_its_time_limit_fails_with_a_message_and_is_not_retried(processes, settings, monkeypatch):
    # four areas at two seconds each cannot make it in three; web and worker share the limit
    processes.env["TALLY_SOFT_TIME_LIMIT"] = "3"
    settings.TALLY_SOFT_TIME_LIMIT = 3
    monkeypatch.setattr(tasks.tally_round, "soft_time_limit", 3)  # as settings.CELERY_TASK_ANNOTATIONS would
    monkeypatch.setattr(tasks.tally_round, "_exec_options", None)
    round_ = tallying_round()
    processes.worker("tally1")
    with transaction.atomic():
        run = services.tally_run_start(round=round_, rule="greedy")
    wait_until(lambda: run.refresh_from_db() or run.status in ("done", "failed"), timeout=30, message="the run to stop")
    assert run.status == TallyRun.Status.FAILED
    assert run.failure == TallyRun.Failure.TIME_LIMIT
    assert "melewati batas waktu 1 menit" in run.failure_message
    assert services.tally_sweep() == 0  # beat's next sweep does not send it again
    run.refresh_from_db()
    assert run.status == TallyRun.Status.FAILED and run.attempts == 1


def test_starting_a_tally_while_the_broker_is_down_answers_normally_and_the_sweep_sends_it(
    request, client, admin_user
):
    round_ = tallying_round()
    expected = clean_result(round_)
    client.force_login(admin_user)
    with broker_at(CLOSED_PORT_BROKER):
        response = client.post(reverse("voting:tally_start", args=[round_.slug]), {"rule": "greedy"}, follow=True)
        assert response.status_code == 200
        page = response.content.decode()
        assert "antrean tugas (Redis) sedang tidak dapat dihubungi" in page  # the admin's message
        assert "Menunggu antrean tugas (Redis) bisa dihubungi" in page  # the run, on the tally page
        with transaction.atomic():  # the service, as `manage.py tally` and beat call it
            second = services.tally_run_start(round=round_, rule="greedy")
    runs = list(TallyRun.objects.filter(round=round_))
    assert len(runs) == 2
    assert all(run.status == TallyRun.Status.QUEUED and run.waiting_for_broker for run in runs)
    assert not ResultSnapshot.objects.exists()

    request.getfixturevalue("celery_live_worker")  # Redis is back, a worker runs
    tasks.tally_sweep.delay()  # beat's next sweep
    wait_until(lambda: not TallyRun.objects.exclude(status=TallyRun.Status.DONE).exists(), timeout=60,
               message="both runs done")
    assert snapshots_by_area(round_) == expected
    assert ResultSnapshot.objects.count() == 4
    second.refresh_from_db()
    assert second.sent_at is not None and second.attempts == 1
    page = client.get(reverse("voting:tally", args=[round_.slug])).content.decode()
    assert "Menunggu antrean tugas" not in page


def test_the_sweep_leaves_a_run_alone_while_a_live_worker_holds_it_and_takes_it_back_when_it_dies():
    round_ = tallying_round()
    run = TallyRun.objects.create(round=round_, rule="greedy", status=TallyRun.Status.RUNNING,
                                  started_at=timezone.now() - dt.timedelta(seconds=5), attempts=1, sent_at=timezone.now())
    from django.db import connections

    # another database session (a live worker) holds the run
    other = connections.create_connection("default")
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [services._TALLY_LOCK_CLASS, run.pk])
        assert cursor.fetchone()[0]
    try:
        assert services.tally_sweep() == 0
        assert services.tally_run_execute(run_id=run.pk) == []  # a second message does nothing
        run.refresh_from_db()
        assert run.status == TallyRun.Status.RUNNING and run.attempts == 1
    finally:
        other.close()  # the worker dies: PostgreSQL lets go of its lock
    assert services.tally_sweep() == 1
    run.refresh_from_db()
    assert run.status == TallyRun.Status.QUEUED and run.sent_at is not None
    assert services.tally_sweep() == 0  # sent a moment ago: not twice
    snapshots = services.tally_run_execute(run_id=run.pk)  # the message arrives
    run.refresh_from_db()
    assert run.status == TallyRun.Status.DONE and run.attempts == 2 and len(snapshots) == 4


@pytest.mark.parametrize(
    ("started_seconds_ago", "attempts", "failure", "words"),
    [
        # killed at the hard time limit (the soft limit could not interrupt it): the same work would time out again
        (settings.TALLY_SOFT_TIME_LIMIT + 70, 1, TallyRun.Failure.TIME_LIMIT, "melewati batas waktu 15 menit"),
        # its worker died three times (out of memory, say): stop looping
        (20, services.TALLY_MAX_ATTEMPTS, TallyRun.Failure.WORKER_LOST, "berhenti 3 kali"),
    ],
)
def test_a_run_whose_worker_died_is_failed_not_retried_when_a_retry_cannot_help(started_seconds_ago, attempts, failure, words):
    round_ = tallying_round()
    run = TallyRun.objects.create(
        round=round_, rule="greedy", status=TallyRun.Status.RUNNING, attempts=attempts, sent_at=timezone.now(),
        started_at=timezone.now() - dt.timedelta(seconds=started_seconds_ago), areas_total=4, areas_done=2,
    )
    assert services.tally_sweep() == 0
    run.refresh_from_db()
    assert (run.status, run.failure) == (TallyRun.Status.FAILED, failure)
    assert words in run.failure_message
    assert services.tally_run_execute(run_id=run.pk) == []  # a late message changes nothing
    assert not ResultSnapshot.objects.exists()
