"""Celery tasks of voting: thin, idempotent, routed to the `tally` queue by settings."""

from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from rounds.models import Phase, PhaseSchedule, Round


@shared_task(acks_late=True)
def tally_round(round_id: int, rule: str, run_id: int | None = None) -> list[int]:
    """Tally every area of a round; re-running it (after a crash or twice) yields the same snapshots."""
    from . import services
    from .models import TallyRun

    round_ = Round.objects.filter(pk=round_id).first()
    if round_ is None:
        return []
    run = TallyRun.objects.filter(pk=run_id).first() if run_id else None
    return [s.pk for s in services.tally_round_execute(round=round_, rule=rule, run=run)]


@shared_task(acks_late=True)
def tally_closed_rounds() -> int:
    """Beat: tally rounds whose voting has closed and that have no snapshot for their rule yet.

    Voting closes by the schedule or when an admin moves the round on by hand before the
    scheduled end: a round in the tallying phase is tallied either way."""
    from .models import ResultSnapshot, TallyRun

    now = timezone.now()
    ended = PhaseSchedule.objects.filter(phase=Phase.VOTING, end__lte=now).values("round_id")
    queued = 0
    for round_ in Round.objects.filter(Q(phase=Phase.TALLYING) | Q(pk__in=ended, phase=Phase.RESULTS)):
        if ResultSnapshot.objects.filter(round=round_, rule=round_.tally_rule).exists():
            continue
        if TallyRun.objects.filter(round=round_, rule=round_.tally_rule, status__in=["queued", "running"]).exists():
            continue
        run = TallyRun.objects.create(round=round_, rule=round_.tally_rule, areas_total=round_.areas.count())
        tally_round.delay(round_.pk, round_.tally_rule, run.pk)
        queued += 1
    return queued


@shared_task(acks_late=True)
def remind_voting_closing() -> int:
    """Beat (hourly): remind those who have not voted, once, when voting ends within 24 hours."""
    from . import services

    now = timezone.now()
    sent = 0
    schedules = PhaseSchedule.objects.filter(
        phase=Phase.VOTING, end__gt=now, end__lte=now + timedelta(hours=24), round__phase=Phase.VOTING
    ).select_related("round")
    for schedule in schedules:
        for area in schedule.round.areas.all():
            sent += services.voting_closing_remind_once(area=area, closes_at=schedule.end)
    return sent
