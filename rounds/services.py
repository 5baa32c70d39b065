"""Writes of rounds: moving a round from one phase to the next, by hand or by schedule."""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import User

from .models import AREA_LOCKED, LOCKED_AREA_FIELDS, LOCKED_ROUND_FIELDS, Area, AreaLevel, Phase, PhaseSchedule, Round
from .phases import PHASE_ORDER, next_phase

logger = logging.getLogger(__name__)


class PhaseError(Exception):
    """The round cannot move to that phase (last phase reached, or a backward move)."""


def _voting_opened_notify(round_: Round) -> int:
    """Tells every resident of the round's areas that voting opened, once per person, naming the
    smallest area they live in (their kelurahan when it is an area of the round)."""
    from notifications.services import notify_many

    schedule = PhaseSchedule.objects.filter(round=round_, phase=Phase.VOTING).first()
    closes_at = schedule.end.isoformat() if schedule else ""
    residents = User.objects.filter(is_active=True, kelurahan__isnull=False)
    order = {AreaLevel.KELURAHAN: 0, AreaLevel.KECAMATAN: 1, AreaLevel.KOTA: 2}
    areas = sorted(Area.objects.filter(round=round_), key=lambda a: (order.get(a.level, 3), a.code))
    notified: set[int] = set()
    for area in areas:
        if area.level == AreaLevel.KELURAHAN:
            people = residents.filter(kelurahan_id=area.kelurahan_id)
        elif area.level == AreaLevel.KECAMATAN:
            people = residents.filter(kelurahan__kecamatan_id=area.kecamatan_id)
        else:
            people = residents
        ids = set(people.values_list("pk", flat=True)) - notified
        if not ids:
            continue
        notified |= ids
        notify_many(
            recipient_ids=sorted(ids), kind="voting_opened",
            context={"round_name": round_.name, "area_name": area.name, "closes_at": closes_at},
            url=round_.get_absolute_url(),
        )
    return len(notified)


def _round_enter_phase(*, round_: Round, phase: str, actor: User | None, reason: str) -> Round:
    previous = round_.phase
    round_.phase = phase
    round_.phase_changed_at = timezone.now()
    round_.full_clean()
    round_.save(update_fields=["phase", "phase_changed_at"])
    audit_record(actor=actor, action="round.phase", target=round_,
                 detail={"from": previous, "to": phase, "reason": reason})
    if phase == Phase.VOTING:
        _voting_opened_notify(round_)
    return round_


@transaction.atomic
def round_advance_phase(*, round: Round, actor: User | None) -> Round:  # noqa: A002 - the brief's name
    """Moves the round to the next phase by hand (an admin)."""
    locked = Round.objects.select_for_update().get(pk=round.pk)
    target = next_phase(locked.phase)
    if target is None:
        raise PhaseError("last phase")
    _round_enter_phase(round_=locked, phase=target, actor=actor, reason="manual")
    _schedule_follow_manual_move(round_=locked, left=PHASE_ORDER[PHASE_ORDER.index(target) - 1], entered=target)
    round.phase, round.phase_changed_at = locked.phase, locked.phase_changed_at
    return locked


def _schedule_follow_manual_move(*, round_: Round, left: str, entered: str) -> None:
    """The timeline tells what happened: the phase left by hand ends now, the one entered starts now."""
    now = timezone.now()
    for entry in PhaseSchedule.objects.select_for_update().filter(round=round_, phase__in=[left, entered]):
        if entry.phase == left and entry.end > now:
            entry.start, entry.end = min(entry.start, now - dt.timedelta(seconds=1)), now
        elif entry.phase == entered and entry.start > now:
            entry.start = now
            entry.end = max(entry.end, now + dt.timedelta(seconds=1))
        else:
            continue
        entry.save(update_fields=["start", "end"])


def round_scheduled_phase(*, round_: Round, now: dt.datetime) -> str | None:
    """The latest phase whose scheduled start has passed and whose end has not (None in a gap)."""
    current = [s for s in round_.schedule.all() if s.start <= now < s.end]
    if not current:
        return None
    return max(current, key=lambda s: PHASE_ORDER.index(s.phase)).phase


def round_switch_by_schedule(*, round_id: int, now: dt.datetime | None = None) -> str | None:
    """Moves one round forward to the phase its schedule says is running. Idempotent; never moves back
    (an admin may have advanced by hand). Returns the new phase, or None when nothing changed."""
    now = now or timezone.now()
    with transaction.atomic():
        round_ = Round.objects.select_for_update().prefetch_related("schedule").get(pk=round_id)
        target = round_scheduled_phase(round_=round_, now=now)
        if target is None or PHASE_ORDER.index(target) <= round_.phase_index:
            return None
        _round_enter_phase(round_=round_, phase=target, actor=None, reason="schedule")
        logger.info("round %s moved to %s by schedule", round_.slug, target)
        return target


def rounds_switch_phases(*, now: dt.datetime | None = None) -> dict[str, str]:
    """Every round whose schedule says it should be further along. Returns {slug: new phase}."""
    now = now or timezone.now()
    candidates = Round.objects.filter(schedule__start__lte=now, schedule__end__gt=now).distinct()
    moved = {}
    for round_ in candidates.only("pk", "slug"):
        phase = round_switch_by_schedule(round_id=round_.pk, now=now)
        if phase:
            moved[round_.slug] = phase
    return moved


# --- settings of a round and its areas (the admin's forms come here) ------------------------------

_AUDITED_ROUND_FIELDS = ("phase", *LOCKED_ROUND_FIELDS, "requires_verified_residence", "residence_open_reason",
                         "flag_threshold")


@transaction.atomic
def round_save(*, round_: Round, actor: User | None) -> Round:
    """Saves a round's settings. Round.clean() refuses ballot changes and backward phase moves once
    voting has opened, checked against the locked row so two admins cannot slip one past the other."""
    stored = Round.objects.select_for_update().filter(pk=round_.pk).values(*_AUDITED_ROUND_FIELDS).first() \
        if round_.pk else None
    round_.full_clean()
    round_.save()
    changed = {f: [stored[f], getattr(round_, f)] for f in _AUDITED_ROUND_FIELDS
               if stored is not None and stored[f] != getattr(round_, f)}
    audit_record(actor=actor, action="round.save" if stored else "round.create", target=round_, detail=changed)
    return round_


@transaction.atomic
def area_save(*, area: Area, actor: User | None) -> Area:
    Round.objects.select_for_update().filter(pk=area.round_id).exists()  # no phase move while this is checked
    area.full_clean()
    area.save()
    audit_record(actor=actor, action="area.save", target=area,
                 detail={f: str(getattr(area, f)) for f in LOCKED_AREA_FIELDS})
    return area


@transaction.atomic
def area_delete(*, area: Area, actor: User | None) -> None:
    round_ = Round.objects.select_for_update().get(pk=area.round_id)
    if round_.ballot_locked:
        raise ValidationError(AREA_LOCKED, code="ballot_locked", params={"round": round_.name})
    audit_record(actor=actor, action="area.delete", target=area, detail={"code": area.code, "budget": area.budget})
    area.delete()
