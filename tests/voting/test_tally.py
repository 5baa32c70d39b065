"""Tallies: snapshots through a real Celery worker, idempotence, publication, reminders."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from rounds.models import Phase, PhaseSchedule
from voting import services, tasks
from voting.models import ResultSnapshot, TallyRun

from .conftest import make_round, project_ids, resident_with_nik


def _vote(area, picks_per_voter):
    for picks in picks_per_voter:
        user, _nik = resident_with_nik()
        services.ballot_cast(voter=user, area=area, choices=picks)


def _wait(run, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in (TallyRun.Status.DONE, TallyRun.Status.FAILED):
            return run
        time.sleep(0.2)
    raise AssertionError(f"tally did not finish: {run.status}")


@pytest.mark.celery
def test_tally_through_a_real_worker_twice_gives_one_identical_snapshot(celery_live_worker):
    round_ = make_round()
    area = round_.test_areas["kel"]
    ids = project_ids(area)  # 80, 120, 250, 300, 450 million
    _vote(area, [[ids[4], ids[3]], [ids[4], ids[0]], [ids[4]], [ids[1]]])
    round_.phase = Phase.TALLYING
    round_.save()
    run1 = _wait(services.tally_run_start(round=round_, rule="greedy"))
    assert run1.status == TallyRun.Status.DONE, run1.error
    assert run1.areas_done == run1.areas_total == 4
    snap = ResultSnapshot.objects.get(area=area, rule="greedy")
    assert snap.result["selected"][0] == ids[4] and snap.voters == 4
    assert snap.result["budget_used"] <= area.budget
    run2 = _wait(services.tally_run_start(round=round_, rule="greedy"))
    assert run2.status == TallyRun.Status.DONE
    assert ResultSnapshot.objects.filter(area=area, rule="greedy").count() == 1
    assert sorted(run1.snapshot_ids) == sorted(run2.snapshot_ids)
    assert ResultSnapshot.objects.get(pk=snap.pk).result == snap.result


@pytest.mark.django_db
def test_task_run_twice_in_process_is_idempotent():
    round_ = make_round(phase=Phase.VOTING)
    area = round_.test_areas["kel"]
    ids = project_ids(area)
    _vote(area, [[ids[0], ids[1]], [ids[1]]])
    round_.phase = Phase.TALLYING  # no tally while voting is open
    round_.save()
    first = tasks.tally_round(round_.pk, "mes")
    second = tasks.tally_round(round_.pk, "mes")
    assert first == second and ResultSnapshot.objects.filter(round=round_).count() == 4
    reason = ResultSnapshot.objects.get(area=area).result["projects"][0]["reason_id"]
    assert reason  # every project carries a plain-language reason


@pytest.mark.django_db
def test_failed_tally_is_shown_on_the_run():
    round_ = make_round(phase=Phase.TALLYING)
    run = TallyRun.objects.create(round=round_, rule="borda")  # borda needs ranked ballots
    with pytest.raises(ValueError):
        services.tally_round_execute(round=round_, rule="borda", run=run)
    run.refresh_from_db()
    assert run.status == TallyRun.Status.FAILED and "ranked" in run.error


@pytest.mark.django_db
def test_publish_once_and_a_correction_after_the_round_notifies_residents_of_the_area(django_capture_on_commit_callbacks):
    from notifications.models import FanoutBatch

    round_ = make_round(phase=Phase.RESULTS)
    area = round_.test_areas["kel"]
    inside, _ = resident_with_nik()
    outside, _ = resident_with_nik(kelurahan_code="64.71.03.1001")
    round_.results_published_at = timezone.now()  # the round was published; this is a correction
    round_.save(update_fields=["results_published_at"])
    snap = services.area_tally(round=round_, area=area, rule="greedy")
    with django_capture_on_commit_callbacks(execute=True):
        services.snapshot_publish(snapshot=snap, actor=None)
        services.snapshot_publish(snapshot=snap, actor=None)  # a second click changes nothing
    batches = list(FanoutBatch.objects.filter(kind="results_published"))
    assert len(batches) == 1
    assert inside.pk in batches[0].recipient_ids and outside.pk not in batches[0].recipient_ids
    assert ResultSnapshot.objects.get(pk=snap.pk).published_at is not None


@pytest.mark.django_db
def test_publish_uses_the_notifications_service(django_capture_on_commit_callbacks):
    from notifications.models import FanoutBatch

    round_ = make_round(phase=Phase.RESULTS)
    area = round_.test_areas["kel"]
    resident_with_nik()
    snap = services.area_tally(round=round_, area=area, rule="greedy")
    with django_capture_on_commit_callbacks(execute=False):
        services.snapshot_publish(snapshot=snap, actor=None)
    # the on_commit callback is ours; run it by hand without a broker
    services._notify_results(area.pk)
    assert FanoutBatch.objects.filter(kind="results_published").exists()


@pytest.mark.django_db
def test_closing_reminder_only_to_eligible_non_voters_of_the_area(monkeypatch):
    sent = []
    monkeypatch.setattr(services, "_notify", lambda **kw: sent.append({**kw, "users": set(kw["users"])}) or len(kw["users"]))
    round_ = make_round()
    PhaseSchedule.objects.create(round=round_, phase=Phase.VOTING, start=timezone.now() - dt.timedelta(days=5),
                                 end=timezone.now() + dt.timedelta(hours=10))
    area = round_.test_areas["kel"]
    voted, _ = resident_with_nik()
    services.ballot_cast(voter=voted, area=area, choices=[], blank=True)
    waiting, _ = resident_with_nik()
    elsewhere, _ = resident_with_nik(kelurahan_code="64.71.03.1001")
    today = dt.date.today()
    too_young, _ = resident_with_nik(birth=today.replace(year=today.year - 15))
    tasks.remind_voting_closing()
    by_area = {}
    for call in sent:
        assert call["kind"] == "voting_closing" and "closes_at" in call["context"]
        by_area[call["context"]["area_name"]] = call["users"]
    assert by_area[area.name] == {waiting}
    assert elsewhere in by_area["Kota Balikpapan"] and voted in by_area["Kota Balikpapan"]
    assert too_young not in by_area["Kota Balikpapan"]
    sent.clear()
    tasks.remind_voting_closing()  # beat fires again: nothing twice
    assert sent == []


@pytest.mark.celery
def test_beat_tallies_a_round_once_whether_the_schedule_or_an_admin_closed_voting(celery_live_worker):
    from accounts.models import Role
    from rounds.services import round_advance_phase
    from tests.factories import UserFactory

    now = timezone.now()
    by_hand = make_round(slug="ap-closed-by-hand")
    PhaseSchedule.objects.create(round=by_hand, phase=Phase.VOTING, start=now - dt.timedelta(days=3),
                                 end=now + dt.timedelta(days=3))  # the admin closes before the scheduled end
    still_open = make_round(slug="ap-still-open")
    area = by_hand.test_areas["kel"]
    ids = project_ids(area)
    _vote(area, [[ids[0], ids[1]], [ids[1]], [ids[4]]])
    _vote(still_open.test_areas["kel"], [[project_ids(still_open.test_areas["kel"])[0]]])
    round_advance_phase(round=by_hand, actor=UserFactory(role=Role.ADMIN))
    assert by_hand.phase == Phase.TALLYING

    assert tasks.tally_closed_rounds() == 1
    run = _wait(TallyRun.objects.get(round=by_hand))
    assert run.status == TallyRun.Status.DONE, run.error
    snapshot = ResultSnapshot.objects.get(area=area, rule=by_hand.tally_rule)
    assert snapshot.voters == 3 and snapshot.published_at is None  # an admin publishes it
    assert tasks.tally_closed_rounds() == 0  # tallied once: the next beat finds nothing to do
    assert not ResultSnapshot.objects.filter(round=still_open).exists()
