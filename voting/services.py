"""Writes for voting: casting and changing ballots, paper ballots, tallies and publication."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import time
from collections.abc import Iterable

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.identity import nik_hash as make_nik_hash
from accounts.models import User
from accounts.nik import VOTING_AGE, NikError, age_on, parse_nik
from proposals.models import Proposal
from proposals.selectors import project_ids_q
from rounds.models import Area, AreaLevel, BallotType, Round, TallyRule
from rounds.phases import Feature

from . import selectors
from .models import AgeBand, Ballot, Channel, Participation, ResultSnapshot, TallyRun

logger = logging.getLogger(__name__)


# --- eligibility ---------------------------------------------------------------------------


def voter_eligibility(*, user, area: Area) -> tuple[bool, str]:
    """Whether this person may vote in this area now, and if not, why (in words a resident understands)."""
    round_ = area.round
    if not round_.allows(Feature.VOTE):
        return False, _("Pemungutan suara untuk %(round)s sedang tidak berlangsung.") % {"round": round_.name}
    if user is None or not user.is_authenticated or not user.nik_hash:
        return False, _("Hanya warga yang terdaftar dengan NIK yang dapat memilih. Silakan daftar atau masuk.")
    if not user.is_of_voting_age():
        return False, _("Hak pilih dimulai pada usia %(age)d tahun.") % {"age": VOTING_AGE}
    if not area.contains_kelurahan(user.kelurahan_id):
        return False, _("Anda tidak terdaftar sebagai warga %(area)s, jadi tidak dapat memilih di wilayah ini.") % {
            "area": area.name
        }
    if round_.requires_verified_residence and not user.is_residence_verified:
        return False, _(
            "Domisili Anda belum diverifikasi. Masukkan kode undangan dari RT di halaman Profil, "
            "atau datang ke LPM kelurahan Anda dengan KTP."
        )
    return True, ""


# --- ballot validation -----------------------------------------------------------------------


def ballot_validate(*, round: Round, area: Area, choices, blank: bool, costs: dict[str, int]) -> list | dict:
    """Check choices against the round's ballot type; return them normalised or raise ValidationError."""
    kind = round.ballot_type
    empty: list | dict = {} if kind == BallotType.CUMULATIVE else []
    if blank:
        if choices:
            raise ValidationError(_("Surat suara kosong tidak boleh berisi pilihan."))
        return empty

    if kind == BallotType.CUMULATIVE:
        picks = _points_of(choices)
        ids = list(picks)
    else:
        if not isinstance(choices, list | tuple) or not all(isinstance(c, str) for c in choices):
            raise ValidationError(_("Pilihan tidak terbaca. Muat ulang halaman dan coba lagi."))
        ids = list(choices)
        if len(set(ids)) != len(ids):
            if kind == BallotType.RANKED:
                raise ValidationError(_("Setiap proyek hanya boleh diberi satu peringkat."))
            raise ValidationError(_("Setiap proyek hanya boleh dipilih satu kali."))
    _check_on_ballot(round=round, area=area, ids=ids, costs=costs)

    if not ids:
        raise ValidationError(_("Anda belum memilih proyek. Pilih setidaknya satu, atau kirim surat suara kosong."))
    if kind == BallotType.APPROVAL and len(ids) > round.max_choices:
        raise ValidationError(
            _("Anda memilih %(n)d proyek; paling banyak %(k)d.") % {"n": len(ids), "k": round.max_choices}
        )
    if kind == BallotType.RANKED and len(ids) > round.max_choices:
        raise ValidationError(
            _("Anda memberi peringkat pada %(n)d proyek; paling banyak %(k)d.") % {"n": len(ids), "k": round.max_choices}
        )
    if kind == BallotType.KNAPSACK:
        total = sum(costs[i] for i in ids)
        if total > area.budget:
            raise ValidationError(
                _("Total biaya pilihan Anda %(total)s melebihi pagu %(budget)s. Kurangi pilihan Anda.")
                % {"total": rupiah(total), "budget": rupiah(area.budget)}
            )
    if kind == BallotType.CUMULATIVE:
        spent = sum(picks.values())
        if spent > round.points:
            raise ValidationError(
                _("Anda membagikan %(n)d poin; paling banyak %(k)d.") % {"n": spent, "k": round.points}
            )
        return dict(sorted(picks.items()))
    if kind == BallotType.RANKED:
        return ids
    return sorted(ids)


def _points_of(choices) -> dict[str, int]:
    if not isinstance(choices, dict):
        raise ValidationError(_("Pilihan tidak terbaca. Muat ulang halaman dan coba lagi."))
    picks: dict[str, int] = {}
    for pid, value in choices.items():
        if isinstance(value, bool) or not isinstance(value, int) or not isinstance(pid, str):
            raise ValidationError(_("Poin harus berupa bilangan bulat."))
        if value < 0:
            raise ValidationError(_("Poin tidak boleh negatif."))
        if value:
            picks[pid] = value
    return picks


def _check_on_ballot(*, round: Round, area: Area, ids: Iterable[str], costs: dict[str, int]) -> None:
    missing = [i for i in ids if i not in costs]
    if not missing:
        return
    elsewhere = Proposal.objects.filter(round=round).exclude(area=area)
    if elsewhere.filter(project_ids_q(missing)).exists():
        raise ValidationError(_("Sebagian pilihan Anda adalah proyek wilayah lain, bukan proyek %(area)s.") % {"area": area.name})
    raise ValidationError(_("Sebagian pilihan Anda tidak ada di surat suara %(area)s.") % {"area": area.name})


def rupiah(amount: int) -> str:
    return f"Rp{int(amount):,}".replace(",", ".")


def age_band(birth_date: dt.date | None) -> str:
    if birth_date is None:
        return AgeBand.UNKNOWN
    age = age_on(birth_date, timezone.localdate())
    for limit, band in ((24, AgeBand.YOUTH), (34, AgeBand.A25), (44, AgeBand.A35), (54, AgeBand.A45)):
        if age <= limit:
            return band
    return AgeBand.A55


# --- casting ---------------------------------------------------------------------------------


def _participation_lock(*, area: Area, nik_hash: str, defaults: dict) -> tuple[Participation, bool]:
    """The voter's participation row, created if missing, locked until the transaction ends.

    Concurrent casts of one voter queue up here: the unique constraint lets one INSERT win,
    the others fall back to SELECT ... FOR UPDATE and wait for it to commit.
    """
    existing = Participation.objects.select_for_update().filter(round_id=area.round_id, area=area, nik_hash=nik_hash).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return Participation.objects.create(round_id=area.round_id, area=area, nik_hash=nik_hash, **defaults), True
    except IntegrityError:
        return Participation.objects.select_for_update().get(round_id=area.round_id, area=area, nik_hash=nik_hash), False


def _ballot_store(*, area: Area, nik_hash: str, choices, blank: bool) -> Ballot:
    key = selectors.voter_key(nik_hash=nik_hash, round_id=area.round_id, area_id=area.pk)
    ballot = Ballot.objects.filter(round_id=area.round_id, area=area, voter_key=key).first()
    if ballot is None:
        ballot = Ballot(round_id=area.round_id, area=area, voter_key=key)
    ballot.choices = choices
    ballot.blank = blank
    ballot.cast_on = timezone.localdate()
    ballot.full_clean(validate_unique=False, validate_constraints=False)
    ballot.save()
    return ballot


@transaction.atomic
def ballot_cast(*, voter: User, area: Area, choices, blank: bool = False, channel: str = Channel.ONLINE) -> Ballot:
    """Cast or change a resident's own ballot online. One ballot per voter per area, whatever the race."""
    ok, reason = voter_eligibility(user=voter, area=area)
    if not ok:
        raise ValidationError(reason)
    round_ = area.round
    normalized = ballot_validate(
        round=round_, area=area, choices=choices, blank=blank, costs=selectors.ballot_project_costs(area)
    )
    participation, _created = _participation_lock(
        area=area,
        nik_hash=voter.nik_hash,
        defaults={
            "user": voter, "channel": channel, "age_band": age_band(voter.birth_date), "gender": voter.gender,
            "kecamatan_id": voter.kelurahan_id[:8] if voter.kelurahan_id else None,
        },
    )
    if participation.channel != channel:
        raise ValidationError(
            _("Anda sudah memilih dengan surat suara kertas di forum warga untuk %(area)s; suara daring tidak dapat dicatat.")
            % {"area": area.name}
        )
    if participation.user_id is None:
        participation.user = voter
        participation.save(update_fields=["user"])
    return _ballot_store(area=area, nik_hash=voter.nik_hash, choices=normalized, blank=blank)


def can_enter_paper(moderator, area: Area) -> bool:
    """A moderator enters paper ballots for areas that contain a kelurahan they moderate."""
    from accounts.models import Role

    if not (moderator and moderator.is_authenticated and moderator.role == Role.MODERATOR):
        return False
    if area.level == AreaLevel.KOTA:
        return moderator.moderated_kelurahan.exists() or moderator.moderated_kecamatan.exists()
    if area.level == AreaLevel.KECAMATAN:
        return (
            moderator.moderated_kecamatan.filter(pk=area.kecamatan_id).exists()
            or moderator.moderated_kelurahan.filter(kecamatan_id=area.kecamatan_id).exists()
        )
    return moderator.moderated_kelurahan.filter(pk=area.kelurahan_id).exists()


@transaction.atomic
def paper_ballot_enter(*, moderator: User, nik: str, area: Area, choices, blank: bool = False) -> Ballot:
    """Record a paper ballot from a forum for the resident with this NIK (registered or not)."""
    round_ = area.round
    if not can_enter_paper(moderator, area):
        raise PermissionDenied(_("Anda bukan moderator wilayah ini."))
    if not round_.allows(Feature.PAPER):
        raise ValidationError(_("Surat suara kertas hanya dapat dicatat selama pemungutan suara."))
    try:
        info = parse_nik(nik)
    except NikError:
        raise ValidationError(_("NIK tidak valid. Periksa 16 digit pada KTP warga.")) from None
    if info.age_on(timezone.localdate()) < VOTING_AGE:
        raise ValidationError(_("Menurut NIK, warga ini belum berusia %(age)d tahun.") % {"age": VOTING_AGE})
    hashed = make_nik_hash(info.nik)
    resident = User.objects.filter(nik_hash=hashed).first()
    if resident is not None and resident.kelurahan_id and not area.contains_kelurahan(resident.kelurahan_id):
        raise ValidationError(_("Warga dengan NIK ini terdaftar di luar %(area)s.") % {"area": area.name})
    normalized = ballot_validate(
        round=round_, area=area, choices=choices, blank=blank, costs=selectors.ballot_project_costs(area)
    )
    kecamatan_id = None
    if resident is not None and resident.kelurahan_id:
        kecamatan_id = resident.kelurahan_id[:8]
    elif area.level == AreaLevel.KELURAHAN:
        kecamatan_id = area.kelurahan_id[:8]
    elif area.level == AreaLevel.KECAMATAN:
        kecamatan_id = area.kecamatan_id
    participation, created = _participation_lock(
        area=area,
        nik_hash=hashed,
        defaults={
            "user": resident, "channel": Channel.PAPER, "entered_by": moderator,
            "age_band": age_band(info.birth_date), "gender": info.gender, "kecamatan_id": kecamatan_id,
        },
    )
    if not created:
        if participation.channel == Channel.ONLINE:
            raise ValidationError(_("Warga ini sudah memilih secara daring di %(area)s; surat suara kertas ditolak.") % {"area": area.name})
        raise ValidationError(_("Surat suara kertas untuk NIK ini sudah dicatat di %(area)s.") % {"area": area.name})
    ballot = _ballot_store(area=area, nik_hash=hashed, choices=normalized, blank=blank)
    # The audit says a paper ballot was entered, never what it says.
    audit_record(actor=moderator, action="paper_ballot_enter", target=participation, detail={"area": area.code})
    return ballot


# --- tallies ---------------------------------------------------------------------------------


def area_ballots(*, round: Round, area: Area):
    """All ballots of an area as the tally engine reads them, in one streamed query."""
    from voting.tally import Ballots

    kind = round.ballot_type
    rows = (
        Ballot.objects.filter(round=round, area=area)
        .order_by()
        .values_list("choices", flat=True)
        .iterator(chunk_size=20000)
    )
    if kind == BallotType.CUMULATIVE:
        items = [dict(c) if c else {} for c in rows]
    else:
        items = [tuple(c) for c in rows]
    return Ballots(kind=kind, items=items, max_rank=round.max_choices if kind == BallotType.RANKED else None)


def area_tally(*, round: Round, area: Area, rule: str) -> ResultSnapshot:
    """Tally one area and keep the snapshot; the same ballots always give back the same snapshot.

    Greedy and Borda read only the totals per project, which PostgreSQL counts in one pass;
    MES reads every ballot (grouped into identical ones by the engine)."""
    from voting.tally import Project, tally, tally_totals

    started = time.perf_counter()
    costs = selectors.ballot_project_costs(area)
    projects = [Project(pid, int(cost)) for pid, cost in sorted(costs.items())]
    if rule == TallyRule.MES or connection.vendor != "postgresql":  # the SQLite of `make run` reads every ballot
        ballots = area_ballots(round=round, area=area)
        result = tally(rule=rule, budget=area.budget, projects=projects, ballots=ballots, add1_stop=round.add1_stop)
    else:
        totals = selectors.area_ballot_totals(round=round, area=area)
        result = tally_totals(rule=rule, budget=area.budget, projects=projects, **totals)
    stats = {"mes_runs": int(result.params.get("add1_runs", 0)), "seconds": float(f"{time.perf_counter() - started:.3f}")}
    snapshot, created = ResultSnapshot.objects.get_or_create(
        round=round, area=area, rule=rule, input_hash=result.input_hash,
        defaults={"result": result.to_dict(), "voters": result.voters, "stats": stats},
    )
    if not created:  # the result is the same; only what computing it cost is new
        ResultSnapshot.objects.filter(pk=snapshot.pk).update(stats=stats)
        snapshot.stats = stats
    return snapshot


def tally_run_start(*, round: Round, rule: str, requested_by: User | None = None) -> TallyRun:
    """Queue a tally on the worker (after commit); the admin watches the run's progress.

    The run row is the request: if the broker cannot take the task now, the run waits and
    the sweep sends it; starting a tally never fails because Redis is down."""
    if rule not in TallyRule.values:
        raise ValidationError(_("Aturan penghitungan tidak dikenal."))
    if rule == TallyRule.BORDA and round.ballot_type != BallotType.RANKED:
        raise ValidationError(_("Aturan Borda hanya untuk surat suara peringkat."))
    run = TallyRun(round=round, rule=rule, requested_by=requested_by, areas_total=round.areas.count(),
                   next_attempt_at=timezone.now() + TALLY_QUEUE_LEASE)
    run.full_clean()
    run.save()
    transaction.on_commit(lambda: _tally_run_send(run.pk))
    return run


# A queued run the broker took is sent again after this long without a worker starting it
# (its message may have been lost with Redis); a second message for a run is harmless.
TALLY_QUEUE_LEASE = dt.timedelta(minutes=5)
# A run whose worker died is started again this many times in all, then marked failed: a
# tally that kills its worker every time (out of memory) must not loop forever.
TALLY_MAX_ATTEMPTS = 3
# Namespace of the PostgreSQL advisory locks that say "a live worker is tallying this run".
_TALLY_LOCK_CLASS = 7_171


def _tally_run_send(run_id: int) -> None:
    """Hand a run to the broker, after commit, never raising: a failure leaves it to the sweep."""
    from .tasks import tally_round

    run = TallyRun.objects.filter(pk=run_id).values("round_id", "rule").first()
    if run is None:
        return
    try:
        tally_round.delay(run["round_id"], run["rule"], run_id)
    except Exception:  # kombu's OperationalError and friends: Redis is unreachable
        logger.warning("tally run %s not handed to the broker; the sweep sends it", run_id, exc_info=True)
        TallyRun.objects.filter(pk=run_id, status=TallyRun.Status.QUEUED).update(sent_at=None, next_attempt_at=timezone.now())
    else:
        TallyRun.objects.filter(pk=run_id).update(sent_at=timezone.now())


@contextlib.contextmanager
def _tally_run_lock(run_id: int):
    """Yields whether this process now holds the run. PostgreSQL drops a session's advisory
    locks when its connection closes, so a worker killed with SIGKILL lets go at once; a row
    lock would have to stay in one open transaction for the whole tally, and a lease in Redis
    would go down with the broker. (The embedded SQLite of `make run` has one eager process.)"""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_TALLY_LOCK_CLASS, run_id])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_TALLY_LOCK_CLASS, run_id])


def _tally_run_is_held(run_id: int) -> bool:
    """Whether a live worker holds the run (call inside a transaction)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_TALLY_LOCK_CLASS, run_id])
        return not cursor.fetchone()[0]


def _tally_run_abandoned(run: TallyRun, now: dt.datetime) -> bool:
    """A run marked running that no live worker holds: its worker died. Retry it if that can
    help; returns whether it should be sent again (the caller saves the run)."""
    from django.conf import settings

    if run.started_at and now - run.started_at >= dt.timedelta(seconds=settings.TALLY_SOFT_TIME_LIMIT):
        # Killed at the hard time limit: the same ballots would take as long again.
        run.status, run.failure, run.finished_at = TallyRun.Status.FAILED, TallyRun.Failure.TIME_LIMIT, now
        return False
    if run.attempts >= TALLY_MAX_ATTEMPTS:
        run.status, run.failure, run.finished_at = TallyRun.Status.FAILED, TallyRun.Failure.WORKER_LOST, now
        return False
    logger.warning("tally run %s: its worker stopped after %s area(s); sending it again", run.pk, run.areas_done)
    run.status = TallyRun.Status.QUEUED
    return True


def tally_sweep() -> int:
    """Beat: send again the runs whose task was lost (broker down, message lost, worker killed).
    Safe to run at any time and twice: a run is tallied by one live worker at a time."""
    now = timezone.now()
    send = []
    with transaction.atomic():
        runs = TallyRun.objects.select_for_update(skip_locked=True).filter(
            Q(status=TallyRun.Status.QUEUED, next_attempt_at__lte=now)
            | Q(status=TallyRun.Status.QUEUED, next_attempt_at__isnull=True)
            | Q(status=TallyRun.Status.RUNNING)
        )
        for run in runs:
            if run.status == TallyRun.Status.RUNNING:
                if _tally_run_is_held(run.pk):
                    continue  # a live worker is on it
                if not _tally_run_abandoned(run, now):
                    run.save(update_fields=["status", "failure", "finished_at"])
                    continue
            run.next_attempt_at = now + TALLY_QUEUE_LEASE
            run.save(update_fields=["status", "next_attempt_at"])
            send.append(run.pk)
        for run_id in send:
            transaction.on_commit(functools.partial(_tally_run_send, run_id))
    return len(send)


def _tally_run_claim(run_id: int) -> TallyRun | None:
    """Mark the run running for this worker (which holds its lock), or None if there is nothing to do."""
    now = timezone.now()
    with transaction.atomic():
        run = TallyRun.objects.select_for_update().select_related("round").filter(pk=run_id).first()
        if run is None or run.status in (TallyRun.Status.DONE, TallyRun.Status.FAILED):
            return None  # a late second message for a finished run
        if run.status == TallyRun.Status.RUNNING and not _tally_run_abandoned(run, now):
            run.save(update_fields=["status", "failure", "finished_at"])
            return None
        run.status, run.started_at, run.attempts = TallyRun.Status.RUNNING, now, run.attempts + 1
        run.sent_at = run.sent_at or now
        run.save(update_fields=["status", "started_at", "attempts", "sent_at"])
    return run


def tally_run_execute(*, run_id: int) -> list[ResultSnapshot]:
    """The worker's side of a run: claim it, tally, record the outcome. A second message for the
    same run (from the sweep or Redis) finds it held or finished and does nothing."""
    with _tally_run_lock(run_id) as held:
        if not held:
            logger.info("tally run %s is being tallied by another worker", run_id)
            return []
        run = _tally_run_claim(run_id)
        if run is None:
            return []
        return tally_round_execute(round=run.round, rule=run.rule, run=run)


def _tally_run_failed(run: TallyRun, error: Exception) -> None:
    """Record why a run stopped; retry only what a retry can help."""
    now = timezone.now()
    if isinstance(error, SoftTimeLimitExceeded):
        TallyRun.objects.filter(pk=run.pk).update(
            status=TallyRun.Status.FAILED, failure=TallyRun.Failure.TIME_LIMIT, error="", finished_at=now
        )
    elif isinstance(error, DatabaseError):
        # PostgreSQL went away (restart, failover): the next sweep starts the run again, if
        # this write gets through; if not, the run's lock is gone and the sweep sees that.
        with contextlib.suppress(DatabaseError):
            TallyRun.objects.filter(pk=run.pk).update(status=TallyRun.Status.QUEUED, next_attempt_at=now)
    else:  # a bug or bad data: the same input fails the same way
        TallyRun.objects.filter(pk=run.pk).update(
            status=TallyRun.Status.FAILED, failure=TallyRun.Failure.ERROR, error=str(error)[:2000], finished_at=now
        )


def tally_round_execute(*, round: Round, rule: str, run: TallyRun | None = None) -> list[ResultSnapshot]:
    """Tally every area of a round. Each area commits on its own, so a retry redoes only what is missing."""
    areas = list(round.areas.order_by("level", "code"))
    if run is not None:
        TallyRun.objects.filter(pk=run.pk).update(
            status=TallyRun.Status.RUNNING, areas_total=len(areas), areas_done=0, error="", failure=""
        )
    snapshots = []
    try:
        for done, area in enumerate(areas, start=1):
            with transaction.atomic():
                snapshots.append(area_tally(round=round, area=area, rule=rule))
            if run is not None:
                TallyRun.objects.filter(pk=run.pk).update(areas_done=done)
    except Exception as error:
        if run is not None:
            _tally_run_failed(run, error)
        raise
    if run is not None:
        TallyRun.objects.filter(pk=run.pk).update(
            status=TallyRun.Status.DONE, finished_at=timezone.now(), snapshot_ids=[s.pk for s in snapshots]
        )
    return snapshots


@transaction.atomic
def snapshot_publish(*, snapshot: ResultSnapshot, actor: User | None) -> ResultSnapshot:
    """Publish a snapshot (once) and tell the area's residents. The result itself never changes."""
    if not snapshot.round.allows(Feature.PUBLISH):
        raise ValidationError(_("Hasil hanya dapat diumumkan pada tahap hasil."))
    updated = ResultSnapshot.objects.filter(pk=snapshot.pk, published_at__isnull=True).update(
        published_at=timezone.now(), published_by=actor
    )
    snapshot.refresh_from_db()
    if updated:
        audit_record(actor=actor, action="snapshot_publish", target=snapshot, detail={"rule": snapshot.rule})
        area_id = snapshot.area_id
        transaction.on_commit(lambda: _notify_results(area_id))
    return snapshot


def _notify_results(area_id: int) -> None:
    area = Area.objects.select_related("round").get(pk=area_id)
    _notify(
        users=selectors.area_residents(area),
        kind="results_published",
        context={"round_name": area.round.name, "area_name": area.name},
    )


def voting_closing_remind(*, area: Area, closes_at: dt.datetime | None = None) -> int:
    """Tell eligible residents of an area who have not voted yet that voting closes soon."""
    voted = Participation.objects.filter(round_id=area.round_id, area=area, user__isnull=False).values("user_id")
    users = selectors.area_residents(area).exclude(pk__in=voted).filter(nik_hash__isnull=False)
    if area.round.requires_verified_residence:
        users = users.filter(residence_verified_at__isnull=False)
    cutoff = timezone.localdate().replace(year=timezone.localdate().year - VOTING_AGE)
    users = users.filter(birth_date__lte=cutoff)
    # A paper ballot is recorded by NIK hash, possibly before the account existed.
    paper = Participation.objects.filter(round_id=area.round_id, area=area).values("nik_hash")
    users = users.exclude(nik_hash__in=paper)
    context = {"round_name": area.round.name, "area_name": area.name}
    if closes_at is not None:
        context["closes_at"] = closes_at.isoformat()
    return _notify(users=users, kind="voting_closing", context=context)


@transaction.atomic
def voting_closing_remind_once(*, area: Area, closes_at: dt.datetime) -> int:
    """The reminder for one area and closing time, sent once even if beat fires twice."""
    from .models import ClosingReminder

    reminder, created = ClosingReminder.objects.get_or_create(area=area, closes_at=closes_at)
    if not created:
        return 0
    reminder.recipients = voting_closing_remind(area=area, closes_at=closes_at)
    reminder.save(update_fields=["recipients"])
    return reminder.recipients


def _notify(*, users, kind: str, context: dict) -> int:
    from notifications.services import notify_many

    return notify_many(recipient_ids=users.values_list("pk", flat=True), kind=kind, context=context)
