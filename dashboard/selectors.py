"""Reads for results, the council dashboard and open data.

Every function here runs a fixed number of queries whatever the number of projects and
ballots: counts are aggregated in SQL (GROUP BY), rows are fetched in one query each and
joined in Python. Ballots are read only for the open-data file (receipt code and choices,
exactly what that file publishes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from proposals.models import BALLOT_STATUSES, Proposal, Status, StatusChange
from proposals.selectors import project_ids_q
from rounds.models import Area, AreaLevel, Category, Phase, Round
from voting.models import AgeBand, Ballot, Channel, FrozenResult, Participation, ResultSnapshot
from wilayah.models import Kecamatan

from .suppression import Table, suppress_counts, suppress_tables

FUNDED_STATUSES = [Status.SELECTED, Status.IN_PROGRESS, Status.COMPLETED]
HIDDEN_STATUSES = [Status.DRAFT, Status.HIDDEN]
GENDER_COLUMNS = [("L", _("Laki-laki")), ("P", _("Perempuan")), ("", _("Tidak diketahui"))]
AGE_COLUMNS = [(value, label) for value, label in AgeBand.choices]
CHANNEL_COLUMNS = list(Channel.choices)


# --- rounds and snapshots -------------------------------------------------------------------


def public_rounds() -> QuerySet[Round]:
    return Round.objects.exclude(phase=Phase.DRAFT)


def round_get_public(*, slug: str) -> Round:
    try:
        return public_rounds().get(slug=slug)
    except Round.DoesNotExist:
        raise Http404(_("Putaran anggaran tidak ditemukan.")) from None


def _latest_by_area(snapshots) -> dict[int, ResultSnapshot]:
    latest: dict[int, ResultSnapshot] = {}
    for snapshot in snapshots:  # ordered newest first
        latest.setdefault(snapshot.area_id, snapshot)
    return latest


def _with_frozen_hash(rows: QuerySet[ResultSnapshot]) -> QuerySet[ResultSnapshot]:
    """Each snapshot with the hash of the ballot file it was frozen with, in the same query (not the files)."""
    return rows.select_related("frozen").defer("frozen__ballots_pb", "frozen__results_csv", "frozen__results_json")


def frozen_of(snapshot: ResultSnapshot) -> FrozenResult | None:
    try:
        return snapshot.frozen
    except FrozenResult.DoesNotExist:
        return None


def published_snapshots(*, round: Round) -> dict[int, ResultSnapshot]:
    """area id -> the snapshot published last for it (one query). Unpublished ones never leave here."""
    rows = ResultSnapshot.objects.filter(round=round, published_at__isnull=False).order_by("area_id", "-published_at", "-pk")
    return _latest_by_area(_with_frozen_hash(rows))


def published_snapshot(*, round: Round, area: Area) -> ResultSnapshot:
    snapshot = _with_frozen_hash(
        ResultSnapshot.objects.filter(round=round, area=area, published_at__isnull=False)
        .order_by("-published_at", "-pk")
    ).first()
    if snapshot is None:
        raise Http404(_("Hasil wilayah ini belum diumumkan."))
    return snapshot


def area_get(*, round: Round, code: str) -> Area:
    try:
        return Area.objects.select_related("kecamatan", "kelurahan__kecamatan").get(round=round, code=code)
    except Area.DoesNotExist:
        raise Http404(_("Wilayah tidak ditemukan dalam putaran ini.")) from None


def reason_of(project: dict) -> str:
    return project.get("reason_en", "") if get_language() == "en" else project.get("reason_id", "")


# --- the public results of one area -----------------------------------------------------------


@dataclass
class ProjectLine:
    id: str
    rank: int
    votes: int
    cost: int
    selected: bool
    reason: str
    reason_id: str
    reason_en: str
    supporters: int = 0
    proposal: Proposal | None = None
    bar: float = 0.0  # share of the highest score, 0..100

    @property
    def title(self) -> str:
        return self.proposal.title if self.proposal else self.id

    @property
    def category(self) -> Category | None:
        return self.proposal.category if self.proposal else None


@dataclass
class AreaResult:
    round: Round
    area: Area
    snapshot: ResultSnapshot
    lines: list[ProjectLine]
    channels: Table
    registered: int
    budget: int
    budget_used: int
    voters: int
    unit: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ballots_sha256(self) -> str:
        """SHA-256 of the anonymised ballot file this result was frozen with (served as the .pb)."""
        frozen = frozen_of(self.snapshot)
        return frozen.ballots_sha256 if frozen else ""

    @property
    def input_hash(self) -> str:
        return self.snapshot.input_hash

    @property
    def budget_percent(self) -> float:
        return 100.0 * self.budget_used / self.budget if self.budget else 0.0

    @property
    def funded(self) -> list[ProjectLine]:
        return [line for line in self.lines if line.selected]

    @property
    def map_points(self) -> list[dict]:
        from voting.tally import format_rupiah

        return [
            {"lat": line.proposal.latitude, "lng": line.proposal.longitude, "title": line.proposal.title,
             "color": line.proposal.category.color, "category": line.proposal.category.label,
             "cost_label": format_rupiah(line.cost)}
            for line in self.funded
            if line.proposal is not None and line.proposal.latitude is not None and line.proposal.longitude is not None
        ]

    @property
    def channel_rows(self) -> list[tuple[str, Any]]:
        return [(label, self.channels.column_totals[value]) for value, label in CHANNEL_COLUMNS]


def unit_of(rule: str, kind: str | None) -> str:
    if kind in ("approval", "knapsack", None) and rule != "borda":
        return str(_("suara"))
    return str(_("poin"))


def project_lines(*, snapshot: ResultSnapshot, proposals: dict[str, Proposal]) -> list[ProjectLine]:
    projects = sorted(snapshot.result.get("projects", []), key=lambda p: (p.get("rank", 0), p["id"]))
    top = max((p.get("votes", 0) for p in projects), default=0)
    lines = []
    for p in projects:
        lines.append(ProjectLine(
            id=str(p["id"]), rank=p.get("rank", 0), votes=p.get("votes", 0), cost=p.get("cost", 0),
            selected=bool(p.get("selected")), reason=reason_of(p), reason_id=p.get("reason_id", ""),
            reason_en=p.get("reason_en", ""), supporters=p.get("supporters", 0),
            proposal=proposals.get(str(p["id"])), bar=(100.0 * p.get("votes", 0) / top) if top else 0.0,
        ))
    return lines


def proposals_by_project_id(*, round: Round, area: Area | None = None) -> dict[str, Proposal]:
    query = Proposal.objects.filter(round=round).select_related("category")
    if area is not None:
        query = query.filter(area=area)
    return {p.project_id: p for p in query}


def withdrawn_projects(*, round: Round, area: Area) -> list[Proposal]:
    """Projects an admin took off the ballot during voting, each with the public reason (one query)."""
    reason = StatusChange.objects.filter(proposal=OuterRef("pk"), to_status=Status.WITHDRAWN).order_by("-created_at", "-pk")
    return list(Proposal.objects.filter(round=round, area=area, status=Status.WITHDRAWN)
                .annotate(withdrawal_reason=Subquery(reason.values("reason")[:1]),
                          withdrawn_at=Subquery(reason.values("created_at")[:1]))
                .order_by("title", "pk"))


def _registered_in(area: Area) -> int:
    users = User.objects.filter(is_active=True, kelurahan__isnull=False)
    if area.level == AreaLevel.KELURAHAN:
        users = users.filter(kelurahan_id=area.kelurahan_id)
    elif area.level == AreaLevel.KECAMATAN:
        users = users.filter(kelurahan__kecamatan_id=area.kecamatan_id)
    return users.count()


def area_result(*, slug: str, code: str) -> AreaResult:
    """Everything the public results page of one area shows. Six queries."""
    round_ = round_get_public(slug=slug)
    area = area_get(round=round_, code=code)
    snapshot = published_snapshot(round=round_, area=area)
    proposals = proposals_by_project_id(round=round_, area=area)
    by_channel = dict(
        Participation.objects.filter(round=round_, area=area).values("channel").annotate(n=Count("pk"))
        .order_by().values_list("channel", "n")
    )
    result = snapshot.result
    return AreaResult(
        round=round_, area=area, snapshot=snapshot, extra={"withdrawn": withdrawn_projects(round=round_, area=area)},
        lines=project_lines(snapshot=snapshot, proposals=proposals),
        channels=suppress_counts(by_channel, [value for value, _label in CHANNEL_COLUMNS]),
        registered=_registered_in(area),
        budget=result.get("budget", area.budget), budget_used=result.get("budget_used", 0),
        voters=result.get("voters", snapshot.voters),
        unit=unit_of(snapshot.rule, result.get("params", {}).get("ballot_kind")),
    )


# --- the results overview of a round ------------------------------------------------------


def round_results(*, slug: str) -> dict:
    """The round, its areas, and the published result of each (three queries)."""
    round_ = round_get_public(slug=slug)
    areas = list(Area.objects.filter(round=round_).order_by("level", "code"))
    snapshots = published_snapshots(round=round_)
    order = {AreaLevel.KOTA: 0, AreaLevel.KECAMATAN: 1, AreaLevel.KELURAHAN: 2}
    rows = []
    for area in sorted(areas, key=lambda a: (order.get(a.level, 3), a.code)):
        snapshot = snapshots.get(area.pk)
        result = snapshot.result if snapshot else {}
        rows.append({
            "area": area, "snapshot": snapshot, "budget": result.get("budget", area.budget),
            "budget_used": result.get("budget_used", 0), "voters": result.get("voters", 0),
            "selected": len(result.get("selected", [])), "projects": len(result.get("projects", [])),
        })
    published = [row for row in rows if row["snapshot"]]
    return {
        "round": round_, "rows": rows, "published": published,
        "budget": sum(r["budget"] for r in published), "budget_used": sum(r["budget_used"] for r in published),
    }


# --- open data --------------------------------------------------------------------------------


def open_data_rounds() -> list[dict]:
    """Rounds with at least one published area, and those areas (two queries)."""
    snapshots = (
        ResultSnapshot.objects.filter(published_at__isnull=False).exclude(round__phase=Phase.DRAFT)
        .select_related("round", "area").order_by("area_id", "-published_at", "-pk")
    )
    latest = _latest_by_area(snapshots)
    rounds: dict[int, dict] = {}
    for snapshot in latest.values():
        entry = rounds.setdefault(snapshot.round_id, {"round": snapshot.round, "areas": []})
        entry["areas"].append(snapshot.area)
    for entry in rounds.values():
        entry["areas"].sort(key=lambda a: (a.level != AreaLevel.KOTA, a.level != AreaLevel.KECAMATAN, a.code))
    return sorted(rounds.values(), key=lambda e: (-e["round"].year, e["round"].name))


def receipt_lookup(*, code: str) -> dict | None:
    """The published line of the ballot with this receipt code, or None (two queries)."""
    ballot = (
        Ballot.objects.filter(receipt_code=code).exclude(round__phase=Phase.DRAFT)
        .select_related("round", "area").only("receipt_code", "choices", "blank", "round", "area").first()
    )
    if ballot is None:
        return None
    snapshot = ResultSnapshot.objects.filter(round_id=ballot.round_id, area_id=ballot.area_id,
                                             published_at__isnull=False).order_by("-published_at", "-pk").first()
    if snapshot is None:
        return None
    titles = dict(
        (p.project_id, p.title)
        for p in Proposal.objects.filter(round_id=ballot.round_id, area_id=ballot.area_id).only("pk", "external_id", "title")
    )
    if isinstance(ballot.choices, dict):
        picks = [(str(pid), titles.get(str(pid), str(pid)), pts) for pid, pts in ballot.choices.items()]
    else:
        picks = [(str(pid), titles.get(str(pid), str(pid)), None) for pid in (ballot.choices or [])]
    return {"receipt_code": ballot.receipt_code, "round": ballot.round, "area": ballot.area, "blank": ballot.blank,
            "picks": picks, "snapshot": snapshot}


# --- the council dashboard --------------------------------------------------------------------


@dataclass
class Priority:
    proposal: Proposal
    votes: int | None
    share: float | None  # votes per voter of the area, in percent (approval-like ballots)
    selected: bool | None
    reason: str


@dataclass
class CategoryLine:
    category: Category
    proposals: int = 0
    supports: int = 0
    requested: int = 0
    votes: int = 0
    funded: int = 0
    funded_cost: int = 0


def _kecamatan_filter(kecamatan: Kecamatan | None, prefix: str = "") -> Q:
    if kecamatan is None:
        return Q()
    return Q(**{f"{prefix}kecamatan_id": kecamatan.pk}) | Q(**{f"{prefix}kelurahan__kecamatan_id": kecamatan.pk})


def council_rounds() -> list[Round]:
    return list(public_rounds().order_by("-year", "name"))


def council_default_round(rounds: list[Round]) -> Round | None:
    """The newest round with published results, else the newest public round."""
    published = set(ResultSnapshot.objects.filter(published_at__isnull=False).values_list("round_id", flat=True).distinct())
    for round_ in rounds:
        if round_.pk in published:
            return round_
    return rounds[0] if rounds else None


# One line per person of the round (a resident who voted in their kelurahan, kecamatan and the
# city is one person), placed in the kecamatan they live in: any of their participations that
# knows it (a city-level paper ballot of an unregistered resident may not).
_PEOPLE_SQL = """
    SELECT kecamatan_id, gender, age_band, count(*) FROM (
        SELECT max(kecamatan_id) AS kecamatan_id, max(gender) AS gender, max(age_band) AS age_band
        FROM voting_participation WHERE round_id = %(round)s GROUP BY nik_hash
    ) people GROUP BY 1, 2, 3
"""
_BALLOTS_SQL = """
    SELECT people.kecamatan_id, p.channel, count(*) FROM voting_participation p JOIN (
        SELECT nik_hash, max(kecamatan_id) AS kecamatan_id FROM voting_participation
        WHERE round_id = %(round)s GROUP BY nik_hash
    ) people USING (nik_hash) WHERE p.round_id = %(round)s GROUP BY 1, 2
"""


def _used_columns(counts: dict, columns: list) -> list:
    """The columns that hold someone: an empty 'tidak diketahui' column would only force hiding."""
    used = {column for (_row, column), n in counts.items() if n}
    return [c for c in columns if c != "" or "" in used]


def turnout_tables(*, round: Round, kecamatan_rows: list[Kecamatan]) -> dict[str, Table]:
    """Voters (people, not ballots) by kecamatan x gender and x age band, and ballots by kecamatan
    x channel, each placed in the voter's kecamatan of residence.

    Two queries. Cells under 10 are suppressed, with the fewest extra cells hidden so that no
    hidden cell can be worked out from the totals."""
    rows = [k.pk for k in kecamatan_rows] + [None]
    by_gender: dict = {}
    by_age: dict = {}
    genders = {value for value, _label in GENDER_COLUMNS}
    with connection.cursor() as cursor:
        cursor.execute(_PEOPLE_SQL, {"round": round.pk})
        people = cursor.fetchall()
        cursor.execute(_BALLOTS_SQL, {"round": round.pk})
        ballots = cursor.fetchall()
    for kecamatan_id, gender, age, n in people:
        gender = gender if gender in genders else ""
        key_row = kecamatan_id if kecamatan_id in rows else None
        by_gender[(key_row, gender)] = by_gender.get((key_row, gender), 0) + n
        by_age[(key_row, age or "")] = by_age.get((key_row, age or ""), 0) + n
    if not any(n for (row, _c), n in by_gender.items() if row is None):
        rows = rows[:-1]  # nobody of unknown residence: no such row
    gender_table, age_table = suppress_tables(
        [by_gender, by_age], rows,
        [_used_columns(by_gender, [v for v, _l in GENDER_COLUMNS]), _used_columns(by_age, [v for v, _l in AGE_COLUMNS])],
        shared_row_totals=True,
    )
    by_channel: dict = {}
    for kecamatan_id, channel, n in ballots:
        key_row = kecamatan_id if kecamatan_id in rows else None
        by_channel[(key_row, channel)] = by_channel.get((key_row, channel), 0) + n
    (channel_table,) = suppress_tables([by_channel], rows, [[v for v, _l in CHANNEL_COLUMNS]])
    return {"gender": gender_table, "age": age_table, "channel": channel_table}


def turnout_of_population(*, table: Table, kecamatans: list[Kecamatan]) -> list[dict]:
    """Voters of each kecamatan against its population (wilayah), where the count may be shown."""
    lines = []
    for kecamatan in kecamatans:
        if kecamatan.pk not in table.row_totals:
            continue
        voters = table.row_totals[kecamatan.pk]
        percent = (100.0 * voters.value / kecamatan.population) if voters.shown and kecamatan.population else None
        lines.append({"kecamatan": kecamatan, "voters": voters, "population": kecamatan.population, "percent": percent})
    return lines


PRIORITY_MIN_VOTERS = 10


def council_dashboard(*, round: Round, kecamatan: Kecamatan | None = None, category: Category | None = None,
                      kecamatans: list[Kecamatan], rounds: list[Round]) -> dict:
    """Ranked priorities, budgets, turnout, the proposal map and earlier rounds. Fixed query count."""
    area_filter = _kecamatan_filter(kecamatan)
    areas = list(Area.objects.filter(area_filter, round=round).select_related("kecamatan", "kelurahan"))
    area_ids = {a.pk for a in areas}
    snapshots = {k: v for k, v in published_snapshots(round=round).items() if k in area_ids}

    proposals_qs = (
        Proposal.objects.filter(round=round, area_id__in=area_ids).exclude(status__in=HIDDEN_STATUSES)
        .select_related("category", "area").annotate(support_count=Count("supports", distinct=True))
        .order_by("pk")
    )
    if category is not None:
        proposals_qs = proposals_qs.filter(category=category)
    proposals = list(proposals_qs)

    results: dict[tuple[int, str], dict] = {}
    for area_id, snapshot in snapshots.items():
        for project in snapshot.result.get("projects", []):
            results[(area_id, str(project["id"]))] = project

    priorities: list[Priority] = []
    categories: dict[str, CategoryLine] = {}
    for p in proposals:
        line = results.get((p.area_id, p.project_id))
        snapshot = snapshots.get(p.area_id)
        votes = line.get("votes", 0) if line else None
        voters = snapshot.result.get("voters", 0) if snapshot else 0
        kind = snapshot.result.get("params", {}).get("ballot_kind") if snapshot else None
        # A share of fewer than 10 voters is not shown: "100 % of 1 voter" ranks nothing and tells
        # how that one person voted.
        share = (100.0 * votes / voters) if (line and voters >= PRIORITY_MIN_VOTERS
                                            and kind in ("approval", "knapsack")) else None
        selected = bool(line.get("selected")) if line else None
        # Priorities are what residents chose among: projects on a ballot (as counted, once
        # published; before that, what stands on the ballot), never rejected, merged or infeasible ones.
        if line is not None or (snapshot is None and p.status in BALLOT_STATUSES):
            priorities.append(Priority(proposal=p, votes=votes, share=share, selected=selected,
                                       reason=reason_of(line) if line else ""))
        entry = categories.setdefault(p.category_id, CategoryLine(category=p.category))
        entry.proposals += 1
        entry.supports += p.support_count
        entry.requested += p.cost
        entry.votes += votes or 0
        if selected or (line is None and p.status in FUNDED_STATUSES):
            entry.funded += 1
            entry.funded_cost += line.get("cost", p.cost) if line else p.cost
    priorities.sort(key=lambda x: (
        -(x.share if x.share is not None else -1), -(x.votes or 0), -x.proposal.support_count, x.proposal.pk
    ))
    category_lines = sorted(categories.values(), key=lambda c: (-c.proposals, -c.supports, c.category.order))

    budgets = []
    for area in sorted(areas, key=lambda a: ({"kota": 0, "kecamatan": 1}.get(a.level, 2), a.code)):
        snapshot = snapshots.get(area.pk)
        budgets.append({"area": area, "budget": area.budget, "published": snapshot is not None,
                        "used": snapshot.result.get("budget_used", 0) if snapshot else 0})
    budget_total = sum(b["budget"] for b in budgets)
    used_total = sum(b["used"] for b in budgets)

    turnout = turnout_tables(round=round, kecamatan_rows=kecamatans)
    shown_rows = [kecamatan.pk] if kecamatan else [k.pk for k in kecamatans] + [None]

    return {
        "round": round, "kecamatan": kecamatan, "category": category, "areas": areas,
        "priorities": priorities, "categories": category_lines, "budgets": budgets,
        "budget_total": budget_total, "used_total": used_total,
        "used_percent": 100.0 * used_total / budget_total if budget_total else 0.0,
        "turnout": turnout, "turnout_rows": shown_rows,
        "turnout_population": turnout_of_population(
            table=turnout["gender"], kecamatans=[kecamatan] if kecamatan else list(kecamatans)),
        "comparison": rounds_comparison(rounds=rounds, kecamatan=kecamatan),
        "published_areas": len(snapshots),
    }


def council_map_points(*, round: Round, kecamatan: Kecamatan | None = None,
                       category: Category | None = None) -> list[dict]:
    """The dashboard map's points, fetched apart from the page (they grow with the round; the page must not)."""
    area_ids = set(Area.objects.filter(_kecamatan_filter(kecamatan), round=round).values_list("pk", flat=True))
    snapshots = {k: v for k, v in published_snapshots(round=round).items() if k in area_ids}
    selected = {(area_id, str(project["id"])) for area_id, snapshot in snapshots.items()
                for project in snapshot.result.get("projects", []) if project.get("selected")}
    proposals = (Proposal.objects.filter(round=round, area_id__in=area_ids, latitude__isnull=False,
                                         longitude__isnull=False)
                 .exclude(status__in=HIDDEN_STATUSES).select_related("category").order_by("pk"))
    if category is not None:
        proposals = proposals.filter(category=category)
    return [
        {"lat": p.latitude, "lng": p.longitude, "title": p.title, "color": p.category.color,
         "category": p.category.label, "status": p.get_status_display(),
         "funded": p.status in FUNDED_STATUSES or (p.area_id, p.project_id) in selected}
        for p in proposals
    ]


def rounds_comparison(*, rounds: list[Round], kecamatan: Kecamatan | None = None) -> list[dict]:
    """Budget, proposals, funded cost and voters of every public round (four GROUP BY queries).

    Voters are counted city-wide only (a round's total is the grand total of its turnout
    table, suppressed the same way when under 10).
    """
    ids = [r.pk for r in rounds]
    area_filter = _kecamatan_filter(kecamatan)
    budgets = dict(
        Area.objects.filter(area_filter, round_id__in=ids).values("round_id").annotate(total=Sum("budget"))
        .order_by().values_list("round_id", "total")
    )
    proposal_rows = (
        Proposal.objects.filter(_kecamatan_filter(kecamatan, "area__"), round_id__in=ids)
        .exclude(status__in=HIDDEN_STATUSES).values("round_id")
        .annotate(n=Count("pk"), requested=Sum(Coalesce("final_cost", "estimated_cost"))).order_by()
    )
    proposal_counts = {row["round_id"]: row for row in proposal_rows}
    snapshots = (
        ResultSnapshot.objects.filter(_kecamatan_filter(kecamatan, "area__"), round_id__in=ids,
                                      published_at__isnull=False)
        .order_by("area_id", "-published_at", "-pk").values("round_id", "area_id", "result__budget_used")
    )
    used: dict[int, int] = {}
    seen: set[int] = set()
    for row in snapshots:
        if row["area_id"] in seen:
            continue
        seen.add(row["area_id"])
        used[row["round_id"]] = used.get(row["round_id"], 0) + int(row["result__budget_used"] or 0)
    voters = dict(
        Participation.objects.filter(round_id__in=ids).values("round_id")
        .annotate(n=Count("nik_hash", distinct=True)).order_by().values_list("round_id", "n")
    )
    lines = []
    for round_ in sorted(rounds, key=lambda r: (r.year, r.name)):
        counts = proposal_counts.get(round_.pk, {})
        budget = budgets.get(round_.pk) or 0
        voters_cell = suppress_counts({"all": voters.get(round_.pk, 0)}, ["all"]).total
        lines.append({
            "round": round_, "budget": budget, "proposals": counts.get("n", 0),
            "requested": counts.get("requested") or 0, "used": used.get(round_.pk, 0),
            "published": round_.pk in used, "voters": voters_cell,
            "used_percent": 100.0 * used.get(round_.pk, 0) / budget if budget else 0.0,
        })
    return lines


def kecamatan_list() -> list[Kecamatan]:
    return list(Kecamatan.objects.order_by("code"))


def category_list() -> list[Category]:
    return list(Category.objects.order_by("order", "slug"))


# --- implementation tracking -------------------------------------------------------------------


def is_funded(proposal: Proposal) -> bool:
    """Selected by a published result (or already marked funded). One query at most."""
    snapshot = (
        ResultSnapshot.objects.filter(round_id=proposal.round_id, area_id=proposal.area_id, published_at__isnull=False)
        .order_by("-published_at", "-pk").only("result").first()
    )
    if snapshot is None:  # no published result: only a status set by hand can say so
        return proposal.status in FUNDED_STATUSES
    return proposal.project_id in {str(i) for i in snapshot.result.get("selected", [])}


def project_progress(*, pk: int) -> Proposal:
    """A funded project of a public round with its progress timeline (three queries)."""
    from django.db.models import Prefetch

    from proposals.models import ProgressUpdate

    try:
        proposal = (
            Proposal.objects.exclude(round__phase=Phase.DRAFT).exclude(status__in=HIDDEN_STATUSES)
            .select_related("round", "area", "category")
            .prefetch_related(Prefetch("progress_updates", queryset=ProgressUpdate.objects.order_by("-created_at", "-pk")))
            .get(pk=pk)
        )
    except Proposal.DoesNotExist:
        raise Http404(_("Proyek tidak ditemukan.")) from None
    if not is_funded(proposal):
        raise Http404(_("Proyek ini tidak didanai, jadi tidak ada laporan pelaksanaan."))
    return proposal


def funded_projects(*, round: Round) -> list[Proposal]:
    """Projects funded by the published results of a round, each with its latest `percent` (two queries)."""
    from django.db.models import Max

    # Where an area's result is published, the result alone says what was funded; a status set by
    # hand elsewhere (an old round without ballots) counts only where there is no result.
    published = published_snapshots(round=round)
    selected = Q(status__in=FUNDED_STATUSES) & ~Q(area_id__in=list(published))
    for area_id, snapshot in published.items():
        selected |= Q(area_id=area_id) & project_ids_q(snapshot.result.get("selected", []))
    return list(
        Proposal.objects.filter(selected, round=round).exclude(status__in=HIDDEN_STATUSES)
        .select_related("area", "category")
        .annotate(percent=Coalesce(Max("progress_updates__percent"), 0)).order_by("area__code", "title")
    )


def round_area_results(*, slug: str) -> tuple[Round, list[AreaResult]]:
    """The published result of every area of a round, for the round-wide exports (five queries)."""
    round_ = round_get_public(slug=slug)
    areas = {a.pk: a for a in Area.objects.filter(round=round_)}
    snapshots = published_snapshots(round=round_)
    proposals: dict[int, dict[str, Proposal]] = {}
    for p in Proposal.objects.filter(round=round_, area_id__in=list(snapshots)).select_related("category"):
        proposals.setdefault(p.area_id, {})[p.project_id] = p
    channels: dict[int, dict[str, int]] = {}
    for area_id, channel, n in (
        Participation.objects.filter(round=round_, area_id__in=list(snapshots)).values("area_id", "channel")
        .annotate(n=Count("pk")).order_by().values_list("area_id", "channel", "n")
    ):
        channels.setdefault(area_id, {})[channel] = n
    results = []
    for area_id, snapshot in sorted(snapshots.items(), key=lambda item: (areas[item[0]].level, areas[item[0]].code)):
        area = areas[area_id]
        result = snapshot.result
        results.append(AreaResult(
            round=round_, area=area, snapshot=snapshot,
            lines=project_lines(snapshot=snapshot, proposals=proposals.get(area_id, {})),
            channels=suppress_counts(channels.get(area_id, {}), [value for value, _label in CHANNEL_COLUMNS]),
            registered=0, budget=result.get("budget", area.budget), budget_used=result.get("budget_used", 0),
            voters=result.get("voters", snapshot.voters),
            unit=unit_of(snapshot.rule, result.get("params", {}).get("ballot_kind")),
        ))
    return round_, results
