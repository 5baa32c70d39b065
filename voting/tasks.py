"""Celery tasks of voting: thin, idempotent, routed to the `tally` queue by settings."""

import logging
from datetime import timedelta

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

import balikpapan_pb.celery  # noqa: F401  the project's app, which these tasks bind to (balikpapan_pb/__init__.py)
from rounds.models import Phase, PhaseSchedule, Round

logger = logging.getLogger(__name__)


# acks_late + reject_on_worker_lost: a pool process killed mid-tally puts the message back on
# the queue instead of acknowledging it. The run row, not the message, is the request: the
# sweep re-sends runs whose message was lost, and a run is tallied by one live worker at a time.
# Time limits: settings.CELERY_TASK_ANNOTATIONS.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def tally_round(round_id: int, rule: str, run_id: int | None = None) -> list[int]:
    """Tally every area of a round; re-running it (after a crash or twice) yields the same snapshots."""
    from . import services

    if run_id is not None:
        return [s.pk for s in services.tally_run_execute(run_id=run_id)]
    round_ = Round.objects.filter(pk=round_id).first()
    if round_ is None:
        return []
    return [s.pk for s in services.tally_round_execute(round=round_, rule=rule)]


@shared_task
def tally_sweep() -> int:
    from . import services

    return services.tally_sweep()


@shared_task(acks_late=True)
def tally_closed_rounds() -> int:
    """Beat: tally rounds whose voting has closed and that have no snapshot for their rule yet.

    Voting closes by the schedule or when an admin moves the round on by hand before the
    scheduled end: a round in the tallying phase is tallied either way."""
    from . import services
    from .models import ResultSnapshot, TallyRun

    now = timezone.now()
    ended = PhaseSchedule.objects.filter(phase=Phase.VOTING, end__lte=now).values("round_id")
    queued = 0
    for round_ in Round.objects.filter(Q(phase=Phase.TALLYING) | Q(pk__in=ended, phase=Phase.RESULTS)):
        if ResultSnapshot.objects.filter(round=round_, rule=round_.tally_rule).exists():
            continue
        if TallyRun.objects.filter(round=round_, rule=round_.tally_rule, status__in=["queued", "running"]).exists():
            continue
        try:
            services.tally_run_start(round=round_, rule=round_.tally_rule)
        except ValidationError:
            logger.exception("round %s cannot be tallied by its rule", round_.pk)
            continue
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


@shared_task(acks_late=True)
def mix_ballots() -> int:
    """Beat (every BALLOT_MIX_INTERVAL seconds): move pending ballots into the ballot table, in
    areas where at least BALLOT_MIX_MIN_PENDING wait, and everywhere once voting has closed.
    Separate from the tally tasks; idempotent (a second run finds nothing, or too little, to mix)."""
    from . import services

    return services.ballots_mix_due()


@shared_task(acks_late=True)
def ballot_recorded_notify(voter_id: int, area_id: int) -> bool:
    """The "ballot recorded" e-mail of an online cast (services.ballot_cast asks after commit).
    Run twice, it sends once: the voter's row is locked while the quiet period is checked."""
    from django.db import transaction

    from accounts.models import User
    from rounds.models import Area

    from . import services

    with transaction.atomic():
        voter = User.objects.select_for_update().filter(pk=voter_id).first()
        area = Area.objects.select_related("round").filter(pk=area_id).first()
        if voter is None or area is None:
            return False
        return services.ballot_recorded_notify(voter=voter, area=area)
