"""Writes for voting: casting and changing ballots, paper ballots, tallies and publication."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import logging
import random
import secrets
import time
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.census import census_kelurahan_id
from accounts.desk import ballot_hidden_until
from accounts.identity import nik_hash as make_nik_hash
from accounts.models import User
from accounts.nik import VOTING_AGE, NikError, parse_nik
from balikpapan_pb.locks import worker_lock, worker_lock_is_held
from balikpapan_pb.shared_pages import rows_changed
from proposals.models import BALLOT_STATUSES, Proposal
from proposals.selectors import project_ids_q
from proposals.services import proposals_settle_result
from rounds.models import Area, AreaLevel, BallotType, Phase, Round, TallyRule
from rounds.phases import Feature, allows

from . import sealing, selectors
from .models import (
    AgeBand,
    Ballot,
    Channel,
    FrozenResult,
    Participation,
    PendingBallot,
    ResultSnapshot,
    TallyRun,
    new_receipt_code,
)
from .signals import result_published

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
        if user.kelurahan_id:  # the LPM by name, as the profile says it
            return False, _(
                "Domisili Anda belum diverifikasi. Masukkan kode undangan dari RT di halaman Profil, "
                "atau datang ke LPM Kelurahan %(kelurahan)s dengan KTP."
            ) % {"kelurahan": user.kelurahan.name}
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


def age_band(birth_year: int | None) -> str:
    """The band of the age reached this year: the birth year is all that is kept (issue 11)."""
    if birth_year is None:
        return AgeBand.UNKNOWN
    age = timezone.localdate().year - birth_year
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
    return _participation_create(area=area, nik_hash=nik_hash, defaults=defaults)


def _participation_create(*, area: Area, nik_hash: str, defaults: dict) -> tuple[Participation, bool]:
    """The INSERT of _participation_lock, for a row just found missing (see there)."""
    try:
        with transaction.atomic():
            return Participation.objects.create(round_id=area.round_id, area=area, nik_hash=nik_hash, **defaults), True
    except IntegrityError:
        return Participation.objects.select_for_update().get(round_id=area.round_id, area=area, nik_hash=nik_hash), False


def _participation_lock_online(*, area: Area, voter: User) -> tuple[Participation | None, str | None, dict[str, int],
                                                                  object]:
    """What a voter's own online cast checks, read by the statement that locks their participation:
    the voter's participation row (None if they have none yet), locked until the transaction ends;
    the round's phase now; project id -> cost of the area's ballot; when a desk reset link of the
    voter was last used within the window of accounts.desk (ballot_hidden_until), or None.

    The participation is locked in a CTE (FOR UPDATE cannot lock the nullable side of an outer
    join); the phase and the costs come in the same statement, one row per project."""
    with connection.cursor() as cursor:
        cursor.execute(
            f'WITH locked AS (SELECT id, user_id, channel, detached FROM "{Participation._meta.db_table}" '
            "WHERE round_id = %(round)s AND area_id = %(area)s AND nik_hash = %(nik)s FOR UPDATE) "
            f"SELECT r.phase, locked.id, locked.user_id, locked.channel, locked.detached, "
            f"{selectors.desk_reset_used_sql()}, pr.id, pr.external_id, COALESCE(pr.final_cost, pr.estimated_cost) "
            f'FROM "{Round._meta.db_table}" AS r LEFT JOIN locked ON true '
            f'LEFT JOIN "{Proposal._meta.db_table}" AS pr ON pr.area_id = %(area)s AND pr.status = ANY(%(statuses)s) '
            "WHERE r.id = %(round)s",
            {"round": area.round_id, "area": area.pk, "nik": voter.nik_hash,
             "statuses": [str(status) for status in BALLOT_STATUSES], **selectors.desk_reset_params(voter)})
        rows = cursor.fetchall()
    if not rows:  # the round is gone
        return None, None, {}, None
    phase, pk, user_id, channel, detached, used_at = rows[0][:6]
    costs = {(external_id or str(project)): cost for *_row, project, external_id, cost in rows if project is not None}
    participation = None if pk is None else Participation(
        pk=pk, round_id=area.round_id, area=area, nik_hash=voter.nik_hash, user_id=user_id, channel=channel,
        detached=detached)
    return participation, phase, costs, used_at


def _pending_ballot(*, area: Area, lookup_key: str, voter_key: str, receipt_code: str, choices, blank: bool
                    ) -> PendingBallot:
    """An unsaved pending ballot, everything but its area and lookup key sealed."""
    payload = {"voter_key": voter_key, "receipt_code": receipt_code, "choices": choices, "blank": blank}
    context = selectors.pending_context(round_id=area.round_id, area_id=area.pk, lookup_key=lookup_key)
    return PendingBallot(round_id=area.round_id, area=area, lookup_key=lookup_key,
                         sealed=sealing.seal(payload, context=context))


def _pending_write(**fields) -> None:
    """INSERT of the sealed pending ballot (SQL of its own: the ORM's INSERT costs more to build
    than to run)."""
    row = _pending_ballot(**fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{PendingBallot._meta.db_table}" (id, round_id, area_id, lookup_key, sealed) '
            "VALUES (%s, %s, %s, %s, %s)", [row.pk, row.round_id, row.area_id, row.lookup_key, bytes(row.sealed)])


def pending_ballots_bulk_create(*, area: Area, ballots: list[tuple[str, list | dict]]) -> int:
    """Pending ballots for many (nik_hash, choices) at once (seed_demo); each gets its receipt code."""
    rows = [
        _pending_ballot(
            area=area, lookup_key=selectors.pending_key(nik_hash=nik_hash, round_id=area.round_id, area_id=area.pk),
            voter_key=selectors.voter_key(nik_hash=nik_hash, round_id=area.round_id, area_id=area.pk),
            receipt_code=new_receipt_code(), choices=choices, blank=not choices,
        )
        for nik_hash, choices in ballots
    ]
    PendingBallot.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _ballot_take(*, area: Area, nik_hash: str) -> selectors.OwnBallot | None:
    """Takes the voter's current ballot out of storage and returns what it said.

    A mixed ballot is deleted, never updated: an UPDATE would stamp the row with this
    transaction's id, which the participation (written or locked by it) shares. Its replacement
    waits, sealed, for the next mix. If a mix ran meanwhile and put the old ballot back, the
    next mix replaces it again (a pending ballot always replaces the mixed one with its voter_key).

    One statement whatever was stored: both DELETEs run in it and return what they removed, so the
    old ballot is read by the statement that removes it (the pending one wins, as in selectors.own_ballot)."""
    lookup = selectors.pending_key(nik_hash=nik_hash, round_id=area.round_id, area_id=area.pk)
    key = selectors.voter_key(nik_hash=nik_hash, round_id=area.round_id, area_id=area.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            f'WITH pending AS (DELETE FROM "{PendingBallot._meta.db_table}" '
            "WHERE round_id = %(round)s AND area_id = %(area)s AND lookup_key = %(lookup)s RETURNING sealed), "
            f'mixed AS (DELETE FROM "{Ballot._meta.db_table}" '
            "WHERE round_id = %(round)s AND area_id = %(area)s AND voter_key = %(key)s "
            "RETURNING receipt_code, choices, blank) "
            "SELECT (SELECT sealed FROM pending), mixed.receipt_code, mixed.choices, mixed.blank "
            "FROM (SELECT 1) AS one LEFT JOIN mixed ON true",
            {"round": area.round_id, "area": area.pk, "lookup": lookup, "key": key})
        sealed, receipt_code, choices, blank = cursor.fetchone()
    if sealed is not None:
        payload = sealing.unseal(bytes(sealed), context=selectors.pending_context(
            round_id=area.round_id, area_id=area.pk, lookup_key=lookup))
        return selectors.OwnBallot(**payload, mixed=False)
    if receipt_code is not None:
        return selectors.OwnBallot(voter_key=key, receipt_code=receipt_code,
                                   choices=json.loads(choices) if isinstance(choices, str) else choices,
                                   blank=blank, mixed=True)
    return None


def _fresh_receipt_code() -> str:
    while True:
        code = new_receipt_code()
        if not Ballot.objects.filter(receipt_code=code).exists():
            return code


def _ballot_store(*, area: Area, nik_hash: str, choices, blank: bool) -> selectors.OwnBallot:
    """Writes the voter's ballot as a sealed pending ballot; a change keeps the receipt code."""
    previous = _ballot_take(area=area, nik_hash=nik_hash)
    ballot = selectors.OwnBallot(
        voter_key=selectors.voter_key(nik_hash=nik_hash, round_id=area.round_id, area_id=area.pk),
        receipt_code=previous.receipt_code if previous else _fresh_receipt_code(),
        choices=choices, blank=blank, mixed=False,
    )
    _pending_write(area=area, lookup_key=selectors.pending_key(nik_hash=nik_hash, round_id=area.round_id, area_id=area.pk),
                   voter_key=ballot.voter_key, receipt_code=ballot.receipt_code, choices=choices, blank=blank)
    return ballot


@transaction.atomic
def ballot_cast(*, voter: User, area: Area, choices, blank: bool = False, channel: str = Channel.ONLINE
                ) -> selectors.OwnBallot:
    """Cast or change a resident's own ballot online. One ballot per voter per area, whatever the race.

    The round's phase and the ballot's costs are read, under the voter's participation lock, by the
    statement that takes it (`area` may be a kept copy: its phase is never trusted); then the old
    ballot is taken out by one statement and the sealed new one inserted by another."""
    participation, phase, costs, desk_reset_used_at = _participation_lock_online(area=area, voter=voter)
    area = selectors.area_with_phase(area, phase)
    ok, reason = voter_eligibility(user=voter, area=area)
    if not ok:
        raise ValidationError(reason)
    normalized = ballot_validate(round=area.round, area=area, choices=choices, blank=blank, costs=costs)
    created = participation is None
    if created:
        participation, created = _participation_create(area=area, nik_hash=voter.nik_hash, defaults={
            "user": voter, "channel": channel, "age_band": age_band(voter.birth_year), "gender": voter.gender,
            "kecamatan_id": voter.kelurahan_id[:8] if voter.kelurahan_id else None,
        })
        if not created:  # lost a race for the first cast: the winner's row is locked now; ask as ever
            desk_reset_used_at = ballot_hidden_until(voter)
    if participation.channel != channel:
        raise ValidationError(
            _("Anda sudah memilih dengan surat suara kertas di forum warga untuk %(area)s; suara daring tidak dapat dicatat.")
            % {"area": area.name}
        )
    if participation.detached:
        raise ValidationError(detached_message(area))
    if not created and desk_reset_used_at:
        # Signed in through a desk reset in the last 24 hours: whoever holds the new password may
        # not replace the ballot, whichever page or path asks (accounts/desk.py).
        raise PermissionDenied(_("Surat suara Anda tidak dapat diubah selama 24 jam setelah kata sandi diatur ulang "
                                 "di meja LPM."))
    if participation.user_id is None:
        participation.user = voter
        participation.save(update_fields=["user"])
    stored = _ballot_store(area=area, nik_hash=voter.nik_hash, choices=normalized, blank=blank)
    _ballot_recorded_queue(voter=voter, area=area)
    return stored


def ballot_recorded_quiet_key(voter_id: int, area_id: int) -> str:
    return f"ballot-recorded-asked:{voter_id}:{area_id}"


def _ballot_recorded_queue(*, voter: User, area: Area) -> None:
    """The "ballot recorded" e-mail is the worker's job (tasks.ballot_recorded_notify), asked for
    after commit: the cast itself writes nothing for it. Once asked, the worker is not asked again
    for this area within BALLOT_RECORDED_QUIET (a key in the shared cache; the worker's own test of
    the quiet period decides). It is a security notice (someone may have voted in the resident's
    name), so a broker that cannot take the task does not lose it: the request then does the
    task's work itself, after commit, in a transaction of its own (the message row is written; the
    notifications outbox sends it once the broker is back, or at once if it is)."""
    from django.core.cache import cache

    from notifications.selectors import can_receive_email
    from notifications.services import publish_now

    from . import tasks

    if not can_receive_email(voter):
        return
    voter_id, area_id = voter.pk, area.pk

    def ask() -> None:
        try:
            first = cache.add(ballot_recorded_quiet_key(voter_id, area_id), 1, BALLOT_RECORDED_QUIET.total_seconds())
        except Exception:  # the shared cache is down too: the quiet period's own test (in the database) decides
            logger.warning("cache unreachable asking for the ballot-recorded e-mail", exc_info=True)
            first = True
        if first and not publish_now(tasks.ballot_recorded_notify.delay, voter_id, area_id):
            tasks.ballot_recorded_notify(voter_id, area_id)  # in this process, as the worker would

    transaction.on_commit(ask, robust=True)


# Changing one's mind five times in a minute is one e-mail, not five.
BALLOT_RECORDED_QUIET = dt.timedelta(minutes=10)


def ballot_recorded_notify(*, voter: User, area: Area) -> bool:
    """An e-mail (where the resident has a verified one) saying that a ballot was recorded for them,
    without the choices or the receipt code. Queued after commit by the notifications outbox; at most
    one per area every BALLOT_RECORDED_QUIET. Returns whether one was queued. Called by the worker
    for an online ballot (tasks.ballot_recorded_notify; by the request itself when the broker cannot
    take the task), in the transaction of a paper one."""
    from notifications.models import Notification
    from notifications.selectors import can_receive_email
    from notifications.services import notify

    if not can_receive_email(voter):
        return False
    recent = Notification.objects.filter(recipient=voter, kind="ballot_recorded", context__area_id=area.pk,
                                         created_at__gte=timezone.now() - BALLOT_RECORDED_QUIET)
    if recent.exists():
        return False
    return notify(recipient=voter, kind="ballot_recorded", inbox=False,
                  context={"round_name": area.round.name, "area_name": area.name, "area_id": area.pk},
                  url=reverse("voting:ballot", args=[area.round.slug, area.pk])) is not None


def detached_message(area: Area) -> str:
    return _("Suara untuk NIK ini di %(area)s sudah tercatat dari akun yang telah dihapus; "
             "Anda tidak dapat memilih lagi di putaran ini.") % {"area": area.name}


# A NIK's first six digits are the region where it was issued; Balikpapan's start 64 71.
CITY_NIK_PREFIX = "6471"


def _area_reaches_kelurahan(area: Area, kelurahan_id: str) -> bool:
    """The areas of a kelurahan forum: the kelurahan itself, its kecamatan and the city."""
    if area.level == AreaLevel.KOTA:
        return True
    if area.level == AreaLevel.KECAMATAN:
        return area.kecamatan_id == kelurahan_id[:8]  # 64.71.05.1006 -> 64.71.05
    return area.kelurahan_id == kelurahan_id


def paper_forum_kelurahan_ids(moderator, area: Area) -> list[str]:
    """The kelurahan whose forum this LPM officer runs and whose paper ballots reach this area.
    A kecamatan-scoped officer has no kelurahan forum, so enters none."""
    from accounts.models import Role

    if not (moderator and moderator.is_authenticated and moderator.role == Role.MODERATOR):
        return []
    codes = moderator.moderated_kelurahan.order_by("code").values_list("code", flat=True)
    return [code for code in codes if _area_reaches_kelurahan(area, code)]


def can_enter_paper(moderator, area: Area, kelurahan_id: str | None = None) -> bool:
    """An LPM officer enters the paper ballots of their kelurahan's forum for the areas of that
    kelurahan: the kelurahan, its kecamatan and the city. Nobody else: no admin, no superuser."""
    forums = paper_forum_kelurahan_ids(moderator, area)
    return kelurahan_id in forums if kelurahan_id else bool(forums)


def _paper_nik_check(*, info, hashed: str, resident, kelurahan_id: str) -> None:
    """Refuses a NIK that belongs to someone else's kelurahan, or an invented one from outside the
    city. The messages never say which kelurahan a NIK belongs to (the NIK is not a secret)."""
    census = census_kelurahan_id(hashed)
    if resident is not None and resident.kelurahan_id and resident.kelurahan_id != kelurahan_id:
        raise ValidationError(_("NIK ini terdaftar sebagai warga kelurahan lain. Warga memilih di forum atau "
                                "secara daring untuk kelurahannya sendiri."))
    if census is not None and census != kelurahan_id:
        raise ValidationError(_("Menurut data kependudukan kota, NIK ini warga kelurahan lain. Warga memilih di "
                                "forum kelurahannya sendiri."))
    if not info.region.startswith(CITY_NIK_PREFIX):
        # A NIK issued elsewhere is accepted only for someone known to live here: listed by the
        # census for this kelurahan, or a registered resident whose residence was verified here.
        verified_here = (resident is not None and resident.kelurahan_id == kelurahan_id
                         and resident.residence_verified_at is not None)
        if census != kelurahan_id and not verified_here:
            raise ValidationError(_("NIK ini diterbitkan di luar Kota Balikpapan dan tidak tercatat sebagai warga "
                                    "kelurahan ini. Minta warga memverifikasi domisilinya di meja LPM terlebih dahulu."))


@transaction.atomic
def paper_ballot_enter(
    *, moderator: User, nik: str, area: Area, choices, blank: bool = False, kelurahan_id: str | None = None
) -> selectors.OwnBallot:
    """Record a paper ballot from a kelurahan forum for the resident with this NIK (registered or
    not). `kelurahan_id` names the forum; it may be left out by an officer of one kelurahan."""
    round_ = area.round
    forums = paper_forum_kelurahan_ids(moderator, area)
    if not forums or (kelurahan_id and kelurahan_id not in forums):
        raise PermissionDenied(_("Anda bukan petugas LPM forum kelurahan untuk wilayah ini."))
    if not kelurahan_id:
        if len(forums) > 1:
            raise ValidationError(_("Pilih forum kelurahan tempat surat suara ini diisi."))
        kelurahan_id = forums[0]
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
    _paper_nik_check(info=info, hashed=hashed, resident=resident, kelurahan_id=kelurahan_id)
    normalized = ballot_validate(
        round=round_, area=area, choices=choices, blank=blank, costs=selectors.ballot_project_costs(area)
    )
    participation, created = _participation_lock(
        area=area,
        nik_hash=hashed,
        defaults={
            "user": resident, "channel": Channel.PAPER, "entered_by": moderator, "forum_kelurahan_id": kelurahan_id,
            "age_band": age_band(info.birth_date.year), "gender": info.gender, "kecamatan_id": kelurahan_id[:8],
        },
    )
    if not created:
        if participation.channel == Channel.ONLINE:
            raise ValidationError(_("Warga ini sudah memilih secara daring di %(area)s; surat suara kertas ditolak.") % {"area": area.name})
        raise ValidationError(_("Surat suara kertas untuk NIK ini sudah dicatat di %(area)s.") % {"area": area.name})
    ballot = _ballot_store(area=area, nik_hash=hashed, choices=normalized, blank=blank)
    if resident is not None:  # a paper ballot in their name is news the resident should hear of
        ballot_recorded_notify(voter=resident, area=area)
    # The audit says a paper ballot was entered, never what it says.
    audit_record(actor=moderator, action="paper_ballot_enter", target=participation,
                 detail={"area": area.code, "forum_kelurahan": kelurahan_id})
    return ballot


# --- mixing ----------------------------------------------------------------------------------
# Pending ballots become ballots only in a mix, which rewrites every ballot of the area in a
# fresh random order with fresh random ids, in one transaction: afterwards all of them carry the
# mix's transaction id, and neither their order in the table (and so in a dump) nor their ids
# depend on who cast them or when. During voting a mix runs only once at least
# BALLOT_MIX_MIN_PENDING ballots of the area wait, so that a diff of two dumps taken around it
# still hides each new ballot among that many people; once voting has closed, every pending
# ballot is mixed (the closing mix, also run by the tally before it reads any ballot).


def ballots_mix(*, area: Area, closing: bool = False) -> int:
    """Moves the area's pending ballots into the ballot table. Returns how many were moved.

    The whole area is rewritten in a random order with new ids, so neither the row order nor the
    ids of the ballot table tell which ballots just arrived. The rewrite runs inside PostgreSQL
    (INSERT ... SELECT ... ORDER BY gen_random_uuid(), a strong random source): only the pending
    ballots, which must be unsealed with BALLOT_KEY, pass through Python. A city area of 500,000
    ballots is rewritten in seconds instead of streaming every row through the web process."""
    minimum = 1 if closing else max(1, int(settings.BALLOT_MIX_MIN_PENDING))
    with transaction.atomic():
        Area.objects.select_for_update().filter(pk=area.pk).values_list("pk", flat=True).get()  # one mix at a time
        pending = list(PendingBallot.objects.select_for_update().filter(round_id=area.round_id, area=area))
        if len(pending) < minimum:
            return 0
        incoming = [selectors.pending_open(p) for p in pending]
        if connection.vendor == "postgresql":
            total = _ballots_rewrite_in_postgresql(area=area, incoming=incoming)
        else:  # `make run`'s SQLite: small areas, rewritten in Python
            total = _ballots_rewrite_in_python(area=area, incoming=incoming)
        PendingBallot.objects.filter(pk__in=[p.pk for p in pending]).delete()
    logger.info("mixed %d pending ballots into %d ballots of area %s", len(pending), total, area.pk)
    return len(pending)


def _ballots_rewrite_in_postgresql(*, area: Area, incoming: list[dict]) -> int:
    """Inside PostgreSQL: the incoming ballots copied into a temporary table, the area's ballots
    (minus those the incoming replace) and them inserted back in the order of gen_random_uuid()."""
    ballot_table = Ballot._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE voting_mix_incoming (voter_key varchar(64), receipt_code varchar(14), "
            "choices jsonb, blank boolean) ON COMMIT DROP"
        )
        with cursor.copy("COPY voting_mix_incoming (voter_key, receipt_code, choices, blank) FROM STDIN") as copy:
            for row in incoming:
                copy.write_row((row["voter_key"], row["receipt_code"], json.dumps(row["choices"]), row["blank"]))
        cursor.execute(
            f"CREATE TEMPORARY TABLE voting_mix_all ON COMMIT DROP AS "
            f"SELECT voter_key, receipt_code, choices, blank FROM {ballot_table} b "
            f"WHERE b.round_id = %s AND b.area_id = %s "
            f"AND NOT EXISTS (SELECT 1 FROM voting_mix_incoming i WHERE i.voter_key = b.voter_key) "
            f"UNION ALL SELECT voter_key, receipt_code, choices, blank FROM voting_mix_incoming",
            [area.round_id, area.pk],
        )
        cursor.execute(f"DELETE FROM {ballot_table} WHERE round_id = %s AND area_id = %s", [area.round_id, area.pk])
        cursor.execute(
            f"INSERT INTO {ballot_table} (id, round_id, area_id, voter_key, receipt_code, choices, blank) "
            f"SELECT gen_random_uuid(), %s, %s, voter_key, receipt_code, choices, blank FROM voting_mix_all "
            f"ORDER BY gen_random_uuid()",
            [area.round_id, area.pk],
        )
        total = cursor.rowcount
        # Several areas may be mixed in one transaction (a withdrawal, an account deletion).
        cursor.execute("DROP TABLE voting_mix_incoming, voting_mix_all")
    return total


def _ballots_rewrite_in_python(*, area: Area, incoming: list[dict]) -> int:
    """The same rewrite for databases without COPY and gen_random_uuid(): every ballot of the area
    read, the incoming ones put in their voters' places, all written back in a random order."""
    replaced = {row["voter_key"] for row in incoming}
    kept = [
        {"voter_key": key, "receipt_code": code, "choices": choices, "blank": blank}
        for key, code, choices, blank in Ballot.objects.filter(round_id=area.round_id, area=area)
        .values_list("voter_key", "receipt_code", "choices", "blank").iterator(chunk_size=5000)
        if key not in replaced
    ]
    Ballot.objects.filter(round_id=area.round_id, area=area).delete()
    rows = kept + incoming
    random.SystemRandom().shuffle(rows)
    Ballot.objects.bulk_create(
        (Ballot(id=uuid.uuid4(), round_id=area.round_id, area=area, **row) for row in rows), batch_size=2000
    )
    return len(rows)


def ballots_mix_due() -> int:
    """What the beat runs: every area with enough pending ballots during voting, and every area
    with any pending ballot once its round's voting is over. Returns how many ballots moved."""
    moved = 0
    waiting = dict(PendingBallot.objects.values("area_id").annotate(n=Count("pk")).values_list("area_id", "n"))
    for area in Area.objects.filter(pk__in=list(waiting)).select_related("round").order_by("pk"):
        closing = area.round.phase != Phase.VOTING
        if closing or waiting[area.pk] >= settings.BALLOT_MIX_MIN_PENDING:
            moved += ballots_mix(area=area, closing=closing)
    return moved


def ballots_detach(*, nik_hash: str) -> int:
    """A person deletes their account: their ballots stay counted but are re-keyed at random, so
    that nobody (whoever registers this NIK later included) reaches them through the NIK; the
    participations stay, marked, so that the NIK cannot vote again in those areas."""
    detached = 0
    participations = Participation.objects.select_for_update(of=("self",)).filter(nik_hash=nik_hash).select_related("area")
    for participation in participations:
        current = _ballot_take(area=participation.area, nik_hash=nik_hash)
        if current is not None:
            _pending_write(area=participation.area, lookup_key=secrets.token_hex(32), voter_key=secrets.token_hex(32),
                           receipt_code=current.receipt_code, choices=current.choices, blank=current.blank)
            detached += 1
    participations.update(detached=True, user=None)
    rows_changed(Participation)
    return detached


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


def area_ballot_groups(*, round: Round, area: Area):
    """The ballots of an area as the tally engine reads them, identical ones counted by the database.

    A city round has far fewer distinct ballots than voters (Lodz 2022: 23,571 among 90,494):
    grouping on the stored value (jsonb, equal exactly when the ballots are) sends and decodes
    each distinct ballot once, with its count; the engine takes the counts (Ballots.counts) and
    gives the result, reasons and input hash the repeated ballots give."""
    from voting.tally import Ballots

    kind = round.ballot_type
    rows = (
        Ballot.objects.filter(round=round, area=area)
        .order_by()
        .values("choices")
        .annotate(voters=Count("id"))
        .values_list("choices", "voters")
    )
    items, counts = [], []
    for choices, voters in rows.iterator(chunk_size=20000):
        items.append((dict(choices) if choices else {}) if kind == BallotType.CUMULATIVE else tuple(choices))
        counts.append(voters)
    return Ballots(kind=kind, items=items, counts=counts,
                   max_rank=round.max_choices if kind == BallotType.RANKED else None)


def area_tally(*, round: Round, area: Area, rule: str) -> ResultSnapshot:
    """Tally one area and keep the snapshot; the same ballots always give back the same snapshot.

    Greedy and Borda read only the totals per project, which PostgreSQL counts in one pass;
    MES reads every distinct ballot with its count (area_ballot_groups)."""
    from voting.tally import Project, tally, tally_totals

    tally_phase_check(round=round)
    ballots_mix(area=area, closing=True)  # the tally counts every ballot, pending ones too
    started = time.perf_counter()
    costs = selectors.ballot_project_costs(area)
    projects = [Project(pid, int(cost)) for pid, cost in sorted(costs.items())]
    if rule == TallyRule.MES or connection.vendor != "postgresql":  # the SQLite of `make run` reads every ballot
        ballots = area_ballot_groups(round=round, area=area)
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
        rows_changed(ResultSnapshot)
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
    tally_phase_check(round=round)
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


def _tally_run_lock(run_id: int):
    """Yields whether this process now holds the run (balikpapan_pb.locks)."""
    return worker_lock(_TALLY_LOCK_CLASS, run_id)


def _tally_run_is_held(run_id: int) -> bool:
    """Whether a live worker holds the run (call inside a transaction)."""
    return worker_lock_is_held(_TALLY_LOCK_CLASS, run_id)


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
    from celery.exceptions import SoftTimeLimitExceeded  # here: a tally in this process (tally --sync) loads no Celery

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


def tally_phase_check(*, round: Round) -> None:
    """No tally, for anyone, outside the tallying and results phases: while voting is open a count
    would be an interim result (issue 11). Reads the phase afresh: a stale object must not pass."""
    phase = Round.objects.filter(pk=round.pk).values_list("phase", flat=True).first() or round.phase
    if allows(phase, Feature.TALLY):
        return
    if phase == Phase.VOTING:
        raise ValidationError(_("Rekapitulasi tidak dapat dijalankan selama pemungutan suara berlangsung: "
                                "tidak ada hitungan sementara. Tunggu hingga pemungutan suara ditutup."))
    raise ValidationError(_("Rekapitulasi hanya dapat dijalankan pada tahap rekapitulasi atau hasil."))


@transaction.atomic
def snapshot_freeze(*, snapshot: ResultSnapshot) -> FrozenResult:
    """The snapshot's anonymised ballot file, written once and kept with it. Refused (nothing stored)
    unless counting the file again gives exactly the snapshot: a published result and its .pb file
    always agree."""
    from .pabulib_io import PB_MISMATCH, pb_matches, snapshot_pb_text

    frozen = FrozenResult.objects.filter(snapshot=snapshot).first()
    if frozen is not None:
        return frozen
    text = snapshot_pb_text(snapshot)
    if not pb_matches(text=text, snapshot=snapshot):
        raise ValidationError(PB_MISMATCH, code="pb_mismatch")
    return FrozenResult.objects.create(snapshot=snapshot, ballots_pb=text,
                                       ballots_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())


def _snapshot_go_public(*, locked: ResultSnapshot, actor: User | None) -> bool:
    """Freeze and publish one locked snapshot; False when it was public already."""
    if locked.published_at is not None:
        return False
    frozen = snapshot_freeze(snapshot=locked)
    locked.published_at, locked.published_by = timezone.now(), actor
    locked.save(update_fields=["published_at", "published_by"])
    audit_record(actor=actor, action="snapshot_publish", target=locked,
                 detail={"rule": locked.rule, "input_hash": locked.input_hash,
                         "ballots_sha256": frozen.ballots_sha256})
    proposals_settle_result(round_id=locked.round_id, area_id=locked.area_id,
                            selected_ids=[str(i) for i in locked.result.get("selected", [])], actor=actor)
    result_published.send(sender=ResultSnapshot, snapshot=locked)
    return True


@transaction.atomic
def snapshot_publish(*, snapshot: ResultSnapshot, actor: User | None) -> ResultSnapshot:
    """Publish one area's snapshot (once), frozen with its ballot file. The result itself never changes.

    Before the round is published (round_publish) this is a quiet step: the round's one
    message tells every resident. After it, it is a correction, and the area's residents are told."""
    locked = ResultSnapshot.objects.select_for_update().select_related("round", "area").get(pk=snapshot.pk)
    round_ = Round.objects.only("phase", "results_published_at").get(pk=locked.round_id)
    if not allows(round_.phase, Feature.PUBLISH):
        raise ValidationError(_("Hasil hanya dapat diumumkan pada tahap hasil."))
    if _snapshot_go_public(locked=locked, actor=actor) and round_.results_published_at is not None:
        area_id = locked.area_id
        transaction.on_commit(lambda: _notify_results(area_id))
    snapshot.refresh_from_db()
    return snapshot


@transaction.atomic
def round_publish(*, round: Round, actor: User | None) -> list[ResultSnapshot]:  # noqa: A002
    """Publish every area's latest result under the round's rule in one step, and tell each
    resident once, with all their areas in one message. Refused (nothing published) while a
    tally runs, outside the results phase, when an area has no result yet, or when done already."""
    locked = Round.objects.select_for_update().get(pk=round.pk)
    plan = selectors.round_publication(round=locked)
    if plan.refusal:
        raise ValidationError(plan.refusal)
    published = []
    for snapshot in plan.to_publish:
        snap = ResultSnapshot.objects.select_for_update().select_related("round", "area").get(pk=snapshot.pk)
        if _snapshot_go_public(locked=snap, actor=actor):
            published.append(snap)
    locked.results_published_at = timezone.now()
    locked.save(update_fields=["results_published_at"])
    audit_record(actor=actor, action="round_publish", target=locked,
                 detail={"areas": len(plan.to_publish) + len(plan.already), "published_now": len(published)})
    round_id = locked.pk
    transaction.on_commit(lambda: _notify_round_results(round_id))
    round.results_published_at = locked.results_published_at
    return published


@transaction.atomic
def ballot_project_withdraw(*, proposal: Proposal, actor: User, reason: str) -> Proposal:
    """An admin takes a project off the ballot during voting, with a public reason (the proposal and
    results pages show it). Cast ballots keep their other choices, as if the project had never been
    on the ballot (a ranked ballot's later choices move up), so the tally and the .pb file agree."""
    from proposals.services import proposal_withdraw

    withdrawn = proposal_withdraw(proposal=proposal, actor=actor, reason=reason)
    pid = withdrawn.project_id
    # Pending ballots are sealed: mix them in first, so that every cast ballot loses the project.
    ballots_mix(area=withdrawn.area, closing=True)
    changed = []
    for ballot in Ballot.objects.select_for_update().filter(round_id=withdrawn.round_id, area_id=withdrawn.area_id):
        choices = ballot.choices
        if isinstance(choices, dict) and pid in choices:
            ballot.choices = {k: v for k, v in choices.items() if k != pid}
        elif isinstance(choices, list) and pid in choices:
            ballot.choices = [c for c in choices if c != pid]
        else:
            continue
        changed.append(ballot)
    Ballot.objects.bulk_update(changed, ["choices"], batch_size=2000)
    # The audit says how many ballots lost the project, never which.
    audit_record(actor=actor, action="ballot_project_withdraw", target=withdrawn,
                 detail={"area": withdrawn.area_id, "ballots_changed": len(changed)})
    return withdrawn


def _notify_results(area_id: int) -> None:
    """A correction published after the round: the area's residents are told about that area."""
    from notifications.services import notify_many

    area = Area.objects.select_related("round").get(pk=area_id)
    notify_many(recipient_ids=selectors.area_residents(area).values_list("pk", flat=True), kind="results_published",
                context={"round_name": area.round.name, "area_name": area.name},
                url=reverse("dashboard:area_results", args=[area.round.slug, area.code]))


def _notify_round_results(round_id: int) -> int:
    """One message per resident, naming all their areas of the round, with a link to the results."""
    from notifications.services import notify_many

    round_ = Round.objects.get(pk=round_id)
    url = reverse("dashboard:round_results", args=[round_.slug])
    told = 0
    for group in selectors.resident_groups(round=round_):
        told += notify_many(recipient_ids=group.user_ids(), kind="results_published", url=url,
                            context={"round_name": round_.name, "area_name": area_list(group.areas)})
    return told


def area_list(areas) -> str:
    """'Gunung Bahagia, Balikpapan Selatan dan Kota Balikpapan': names joined as a sentence reads."""
    names = [a.name for a in areas]
    if len(names) <= 1:
        return "".join(names)
    return _("%(first)s dan %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


def voting_closing_remind(*, area: Area, closes_at: dt.datetime | None = None) -> int:
    """Tell eligible residents of an area who have not voted yet that voting closes soon."""
    voted = Participation.objects.filter(round_id=area.round_id, area=area, user__isnull=False).values("user_id")
    users = selectors.area_residents(area).exclude(pk__in=voted).filter(nik_hash__isnull=False)
    if area.round.requires_verified_residence:
        users = users.filter(residence_verified_at__isnull=False)
    users = users.filter(birth_year__isnull=False).filter(Q(adult_on__isnull=True) | Q(adult_on__lte=timezone.localdate()))
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
