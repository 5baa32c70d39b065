"""Reads for voting: the ballot, the voter's own ballot, areas a resident votes in, aggregates."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from proposals.models import BALLOT_STATUSES, Proposal, ProposalPhoto
from rounds.models import Area, AreaLevel, BallotType, Round

from . import sealing
from .models import Ballot, Channel, Participation, PendingBallot, ResultSnapshot, TallyRun


def voter_key(*, nik_hash: str, round_id: int, area_id: int) -> str:
    """The only link from a person to a ballot; it needs BALLOT_KEY, which is not in the database."""
    return hmac.digest(settings.BALLOT_KEY.encode(), f"{nik_hash}|{round_id}|{area_id}".encode(), "sha256").hex()


def pending_key(*, nik_hash: str, round_id: int, area_id: int) -> str:
    """How a voter finds their pending ballot: unrelated to `voter_key` without BALLOT_KEY, so a
    pending ballot matches no mixed ballot in a dump."""
    return hmac.digest(settings.BALLOT_KEY.encode(), f"pending|{nik_hash}|{round_id}|{area_id}".encode(), "sha256").hex()


def pending_context(*, round_id: int, area_id: int, lookup_key: str) -> str:
    return f"{round_id}|{area_id}|{lookup_key}"


@dataclass(frozen=True)
class OwnBallot:
    """A voter's current ballot, wherever it is stored (pending until the next mix, or mixed)."""

    voter_key: str
    receipt_code: str
    choices: Any
    blank: bool
    mixed: bool


def pending_open(pending: PendingBallot) -> dict:
    """What a pending ballot says: voter_key, receipt_code, choices, blank."""
    return sealing.unseal(pending.sealed, context=pending_context(
        round_id=pending.round_id, area_id=pending.area_id, lookup_key=pending.lookup_key))


def ballot_projects(area: Area) -> QuerySet[Proposal]:
    """What is on the ballot of an area: feasible proposals, cheapest first, each with `ballot_cost`."""
    # TODO: switch to proposals.selectors.ballot_projects once the proposals app provides it.
    return (
        Proposal.objects.filter(area=area, status__in=BALLOT_STATUSES)
        .select_related("category")
        .prefetch_related(Prefetch("photos", queryset=ProposalPhoto.objects.only("proposal_id", "thumbnail", "order")))
        .annotate(ballot_cost=Coalesce("final_cost", "estimated_cost"))
        .order_by("ballot_cost", "pk")
    )


def ballot_project_costs(area: Area) -> dict[str, int]:
    """project id -> cost, for validation and tallies (one query, no model instances)."""
    rows = (
        Proposal.objects.filter(area=area, status__in=BALLOT_STATUSES)
        .annotate(ballot_cost=Coalesce("final_cost", "estimated_cost"))
        .values_list("pk", "external_id", "ballot_cost")
    )
    return {(external_id or str(pk)): cost for pk, external_id, cost in rows}


def area_with_phase(area: Area, phase: str | None) -> Area:
    """`area` whose round has the phase just read: itself when its round's phase is that, else a
    copy whose round has it. A kept copy (voting.ballot_cache) is never changed: callers only read it."""
    if phase == area.round.phase:
        return area
    fresh = copy.copy(area)
    fresh.round = copy.copy(area.round)
    fresh.round.phase = phase
    return fresh


def areas_for_resident(*, round: Round, kelurahan_id: str | None) -> list[Area]:
    """The areas of a round a resident of this kelurahan votes in: kelurahan, kecamatan, city."""
    if not kelurahan_id:
        return []
    query = (
        Q(level=AreaLevel.KOTA)
        | Q(level=AreaLevel.KECAMATAN, kecamatan_id=kelurahan_id[:8])
        | Q(level=AreaLevel.KELURAHAN, kelurahan_id=kelurahan_id)
    )
    order = {AreaLevel.KELURAHAN: 0, AreaLevel.KECAMATAN: 1, AreaLevel.KOTA: 2}
    return sorted(Area.objects.filter(query, round=round), key=lambda a: (order.get(a.level, 3), a.code))


def _own_ballot_from_row(*, keys: dict, area: Area, sealed, receipt_code, choices, blank) -> OwnBallot | None:
    """The voter's ballot from the row the statement read; `keys` are its _own_ballot_params."""
    if sealed is not None:
        payload = sealing.unseal(bytes(sealed), context=pending_context(
            round_id=area.round_id, area_id=area.pk, lookup_key=keys["lookup"]))
        return OwnBallot(**payload, mixed=False)
    if receipt_code is None:
        return None
    return OwnBallot(voter_key=keys["key"], receipt_code=receipt_code, choices=json.loads(choices) if isinstance(choices, str) else choices,
                     blank=blank, mixed=True)


# The voter's pending ballot (sealed) and mixed ballot side by side in one row (each key is unique).
_OWN_BALLOT_FROM = (
    "FROM (SELECT 1) AS one "
    "LEFT JOIN {pending} AS pb ON pb.round_id = %(round)s AND pb.area_id = %(area)s AND pb.lookup_key = %(lookup)s "
    "LEFT JOIN {ballot} AS b ON b.round_id = %(round)s AND b.area_id = %(area)s AND b.voter_key = %(key)s"
)


def _own_ballot_from() -> str:
    return _OWN_BALLOT_FROM.format(pending=PendingBallot._meta.db_table, ballot=Ballot._meta.db_table)


def _own_ballot_params(*, nik_hash: str, area: Area) -> dict:
    return {"round": area.round_id, "area": area.pk,
            "lookup": pending_key(nik_hash=nik_hash, round_id=area.round_id, area_id=area.pk),
            "key": voter_key(nik_hash=nik_hash, round_id=area.round_id, area_id=area.pk)}


def own_ballot(*, nik_hash: str | None, area: Area) -> OwnBallot | None:
    """The voter's ballot: the pending one if they cast or changed it since the last mix (one statement)."""
    if not nik_hash:
        return None
    keys = _own_ballot_params(nik_hash=nik_hash, area=area)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pb.sealed, b.receipt_code, b.choices, b.blank {_own_ballot_from()}", keys)
        sealed, receipt_code, choices, blank = cursor.fetchone()
    return _own_ballot_from_row(keys=keys, area=area, sealed=sealed, receipt_code=receipt_code,
                                choices=choices, blank=blank)


def desk_reset_used_sql() -> str:
    """The latest use of a desk reset link of user %(user)s since %(since)s, as a subquery: the test
    of accounts.desk.ballot_hidden_until, read in the statement that reads the voter's own rows."""
    from accounts.models import DeskPasswordReset

    return (f"(SELECT max(used_at) FROM {DeskPasswordReset._meta.db_table} "
            "WHERE user_id = %(user)s AND used_at > %(since)s)")


def desk_reset_params(user) -> dict:
    from django.utils import timezone

    from accounts.desk import DESK_RESET_BALLOT_HIDDEN

    return {"user": user.pk if user is not None else None, "since": timezone.now() - DESK_RESET_BALLOT_HIDDEN}


def desk_reset_hidden_until(used_at):
    """Until when the ballot stays hidden after a desk reset used at `used_at` (None: not hidden)."""
    from accounts.desk import DESK_RESET_BALLOT_HIDDEN

    return used_at + DESK_RESET_BALLOT_HIDDEN if used_at else None


@dataclass(frozen=True)
class VoterState:
    """What the ballot page needs to know of one voter, read in one statement: the round's phase
    now (never from a kept copy), their participation and their own ballot."""

    phase: str | None
    participated: bool
    channel: str | None
    detached: bool
    ballot: OwnBallot | None
    hidden_until: Any = None  # accounts.desk.ballot_hidden_until, read in the same statement


def voter_state(*, user, area: Area) -> VoterState:
    nik_hash = user.nik_hash
    nik = nik_hash or "-"
    keys = _own_ballot_params(nik_hash=nik, area=area)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.phase, p.id, p.channel, p.detached, pb.sealed, b.receipt_code, b.choices, b.blank, "
            f"{desk_reset_used_sql()} {_own_ballot_from()} "
            f"LEFT JOIN {Round._meta.db_table} AS r ON r.id = %(round)s "
            f"LEFT JOIN {Participation._meta.db_table} AS p "
            "ON p.round_id = %(round)s AND p.area_id = %(area)s AND p.nik_hash = %(nik)s",
            {**keys, "nik": nik, **desk_reset_params(user)},
        )
        phase, participation_id, channel, detached, sealed, receipt_code, choices, blank, used_at = cursor.fetchone()
    hidden_until = desk_reset_hidden_until(used_at)
    if participation_id is None or not nik_hash:  # no ballot without a participation
        return VoterState(phase=phase, participated=False, channel=None, detached=False, ballot=None,
                          hidden_until=hidden_until)
    ballot = _own_ballot_from_row(keys=keys, area=area, sealed=sealed, receipt_code=receipt_code,
                                  choices=choices, blank=blank)
    return VoterState(phase=phase, participated=True, channel=channel, detached=bool(detached), ballot=ballot,
                      hidden_until=hidden_until)


def own_participations(*, nik_hash: str | None, round: Round) -> dict[int, Participation]:
    if not nik_hash:
        return {}
    return {p.area_id: p for p in Participation.objects.filter(round=round, nik_hash=nik_hash)}


def area_residents(area: Area):
    """Registered residents living inside an area."""
    from accounts.models import User

    users = User.objects.filter(is_active=True, kelurahan__isnull=False)
    if area.level == AreaLevel.KELURAHAN:
        return users.filter(kelurahan_id=area.kelurahan_id)
    if area.level == AreaLevel.KECAMATAN:
        return users.filter(kelurahan__kecamatan_id=area.kecamatan_id)
    return users


def area_turnout(*, round: Round) -> list[dict]:
    """Aggregates per area and channel: never who voted for what."""
    return list(
        Participation.objects.filter(round=round)
        .values("area_id", "channel")
        .annotate(voters=Count("pk"))
        .order_by("area_id", "channel")
    )


def round_tally_overview(*, round: Round) -> dict:
    """What the admin tally page shows: runs, latest snapshot per area and rule, ballot counts."""
    areas = list(round.areas.all())
    counts: dict[int, int] = {}
    for model in (Ballot, PendingBallot):  # a pending ballot is a ballot too, not yet mixed
        for area_id, n in model.objects.filter(round=round).values("area_id").annotate(n=Count("pk")).values_list(
                "area_id", "n"):
            counts[area_id] = counts.get(area_id, 0) + n
    snapshots = list(ResultSnapshot.objects.filter(round=round).select_related("area").order_by("area_id", "rule", "-created_at"))
    latest: dict[tuple[int, str], ResultSnapshot] = {}
    for snap in snapshots:
        latest.setdefault((snap.area_id, snap.rule), snap)
    runs = list(TallyRun.objects.filter(round=round).order_by("-created_at")[:10])
    return {
        "areas": [{"area": a, "ballots": counts.get(a.pk, 0)} for a in areas],
        "snapshots": sorted(latest.values(), key=lambda s: (s.area.level, s.area.code, s.rule)),
        "runs": runs,
        "paper_entries": paper_entries_by_forum(round=round),
    }


def paper_entries_by_forum(*, round: Round, kelurahan_id: str | None = None) -> list[dict]:
    """How many paper ballots each officer entered at each kelurahan forum of a round: the audit
    of the forums. Counts only: which ballot an officer entered is never stored anywhere."""
    entries = Participation.objects.filter(round=round, channel=Channel.PAPER, forum_kelurahan__isnull=False)
    if kelurahan_id:
        entries = entries.filter(forum_kelurahan_id=kelurahan_id)
    return list(
        entries.values("forum_kelurahan_id", "forum_kelurahan__name", "entered_by_id", "entered_by__full_name")
        .annotate(entries=Count("pk")).order_by("forum_kelurahan__name", "entered_by__full_name", "entered_by_id")
    )


# Per ballot kind: what one element of `choices` is worth, and whether it counts as support.
_TOTALS_SQL = {
    # approval and knapsack: a list of project ids
    "list": "SELECT p, count(*), count(*), 0 FROM voting_ballot b, jsonb_array_elements_text(b.choices) p "
            "WHERE b.round_id = %(round)s AND b.area_id = %(area)s GROUP BY p",
    # ranked: a list, best first; rank r (1-based) earns k + 1 - r points
    "ranked": "SELECT p, sum(%(k)s + 1 - r), count(*), max(r) "
              "FROM voting_ballot b, jsonb_array_elements_text(b.choices) WITH ORDINALITY AS t(p, r) "
              "WHERE b.round_id = %(round)s AND b.area_id = %(area)s GROUP BY p",
    # cumulative: an object project id -> points
    "cumulative": "SELECT e.key, sum(e.value::bigint), count(*) FILTER (WHERE e.value::bigint > 0), 0 "
                  "FROM voting_ballot b, jsonb_each_text(b.choices) e "
                  "WHERE b.round_id = %(round)s AND b.area_id = %(area)s GROUP BY e.key",
}


def area_ballot_totals(*, round: Round, area: Area) -> dict:
    """Votes or points and supporters per project and the number of ballots (blank ones too),
    counted by PostgreSQL in one round trip: the input of the greedy and Borda rules."""
    kind = round.ballot_type
    shape = "ranked" if kind == BallotType.RANKED else "cumulative" if kind == BallotType.CUMULATIVE else "list"
    k = round.max_choices if kind == BallotType.RANKED else None
    params = {"round": round.pk, "area": area.pk, "k": k or 0}
    sql = ("SELECT NULL, count(*), 0, 0 FROM voting_ballot WHERE round_id = %(round)s AND area_id = %(area)s "
           "UNION ALL " + _TOTALS_SQL[shape])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    voters = next(int(count) for pid, count, _s, _r in rows if pid is None)
    totals = [row for row in rows if row[0] is not None]
    longest = max((int(r) for *_rest, r in totals), default=0)
    if k is not None and longest > k:
        raise ValueError(f"a ballot ranks {longest} projects, more than max_rank {k}")
    return {
        "kind": kind,
        "score": {pid: int(score) for pid, score, _s, _r in totals},
        "supporters": {pid: int(support) for pid, _score, support, _r in totals},
        "voters": voters,
        "max_rank": k,
    }


def paper_areas_for(user) -> list[Area]:
    """The areas of rounds in voting where this LPM officer enters the paper ballots of their
    kelurahan's forum (the kelurahan, its kecamatan, the city): the same test as
    services.can_enter_paper, in one query (it runs for the menu of every page)."""
    if not (user and user.is_authenticated and user.role == "moderator"):
        return []
    kelurahan = user.moderated_kelurahan.all()
    return list(
        Area.objects.filter(round__phase="voting")
        .filter(
            Q(level=AreaLevel.KELURAHAN, kelurahan__in=kelurahan.values("pk"))
            | Q(level=AreaLevel.KECAMATAN, kecamatan__in=kelurahan.values("kecamatan_id"))
            | (Q(level=AreaLevel.KOTA) & Exists(kelurahan.values("pk")))
        )
        .select_related("round").order_by("round__name", "level", "code")
    )


def ballot_order(projects: list, *, seed: str) -> list:
    """The projects of a ballot in an order of their own for each voter (the first places on a
    list draw more votes), the same for that voter on every visit: a shuffle seeded by an HMAC
    of `seed` (the voter key, or the forum for a printed paper ballot) with BALLOT_KEY, so that
    nobody can work out a voter's order, or the voter from an order, without the key.
    random.Random is enough here: the order needs to be fair, not secret beyond the seed."""
    import random

    digest = hmac.new(settings.BALLOT_KEY.encode(), f"ballot-order|{seed}".encode(), hashlib.sha256).digest()
    ordered = sorted(projects, key=lambda p: p.pk)
    random.Random(digest).shuffle(ordered)
    return ordered


def forum_ballot_seed(area: Area) -> str:
    """One order for every printed paper ballot of an area's forum."""
    return f"forum|{area.round_id}|{area.pk}"


def voting_closes_at(round: Round):
    """The end of the round's voting phase on its schedule, or None."""
    return round.schedule.filter(phase="voting").values_list("end", flat=True).first()


# --- publishing a whole round in one step ---------------------------------------------------


@dataclass
class RoundPublication:
    """What publishing a round would do: which area results go public, which are missing, who is told."""

    round: Round
    to_publish: list[ResultSnapshot]
    already: list[ResultSnapshot]
    missing: list[Area]
    running: bool
    residents: int

    @property
    def refusal(self) -> str:
        """Why publishing is refused now, in words; empty when it may go ahead."""
        from rounds.phases import Feature

        if self.round.results_published_at is not None:
            return str(_("Hasil putaran ini sudah diumumkan."))
        if not self.round.allows(Feature.PUBLISH):
            return str(_("Hasil hanya dapat diumumkan pada tahap hasil. Pindahkan putaran ke tahap hasil lebih dahulu."))
        if self.running:
            return str(_("Rekapitulasi sedang berjalan. Tunggu hingga selesai."))
        if self.missing:
            return str(_("Belum ada hasil rekapitulasi dengan aturan putaran untuk: %(areas)s.")
                       % {"areas": ", ".join(a.name for a in self.missing)})
        return ""


def round_publication(*, round: Round) -> RoundPublication:  # noqa: A002 - the house's keyword
    """The latest result of each area under the round's own rule, and what publishing them all means."""
    areas = list(round.areas.order_by("level", "code"))
    latest: dict[int, ResultSnapshot] = {}
    for snap in ResultSnapshot.objects.filter(round=round, rule=round.tally_rule).select_related("area").order_by("-created_at", "-pk"):
        latest.setdefault(snap.area_id, snap)
    chosen = [latest[a.pk] for a in areas if a.pk in latest]
    return RoundPublication(
        round=round,
        to_publish=[s for s in chosen if s.published_at is None],
        already=[s for s in chosen if s.published_at is not None],
        missing=[a for a in areas if a.pk not in latest],
        running=TallyRun.objects.filter(round=round, status__in=("queued", "running")).exists(),
        residents=sum(g.count for g in resident_groups(round=round, areas=areas)),
    )


@dataclass(frozen=True)
class ResidentGroup:
    """Residents who live inside the same areas of a round: one message serves them all."""

    areas: tuple[Area, ...]
    kelurahan_ids: tuple[str, ...]
    count: int

    def user_ids(self):
        from accounts.models import User

        return User.objects.filter(is_active=True, kelurahan_id__in=self.kelurahan_ids).values_list("pk", flat=True)


def resident_groups(*, round: Round, areas: list[Area] | None = None) -> list[ResidentGroup]:  # noqa: A002
    """Registered residents of the round's areas, grouped by the areas they live in (smallest
    first). One query: people are counted per kelurahan, never listed."""
    from accounts.models import User

    areas = areas if areas is not None else list(round.areas.all())
    order = {AreaLevel.KELURAHAN: 0, AreaLevel.KECAMATAN: 1, AreaLevel.KOTA: 2}
    areas = sorted(areas, key=lambda a: (order.get(a.level, 3), a.code))
    per_kelurahan = (User.objects.filter(is_active=True, kelurahan__isnull=False).values("kelurahan_id")
                     .annotate(n=Count("pk")).order_by("kelurahan_id").values_list("kelurahan_id", "n"))
    groups: dict[tuple[int, ...], tuple[list[str], int]] = {}
    for kelurahan_id, n in per_kelurahan:
        inside = tuple(a.pk for a in areas if a.contains_kelurahan(kelurahan_id))
        if inside:
            kelurahans, total = groups.get(inside, ([], 0))
            groups[inside] = ([*kelurahans, kelurahan_id], total + n)
    by_pk = {a.pk: a for a in areas}
    return [ResidentGroup(areas=tuple(by_pk[pk] for pk in key), kelurahan_ids=tuple(kels), count=n)
            for key, (kels, n) in groups.items()]
