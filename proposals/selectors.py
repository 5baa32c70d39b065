"""Reads of proposals. Every list is one annotated queryset, so a page costs a fixed number of queries."""

import functools

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import BooleanField, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import Role, User
from rounds.models import Area, AreaLevel, Round
from rounds.phases import PHASE_ORDER, Feature, allows, ballot_locked
from wilayah.models import Kelurahan

from .models import BALLOT_STATUSES, Comment, Flag, Follow, Proposal, ProposalPhoto, Status, StatusChange, Support
from .money import DEVIATION_LIMIT_PERCENT, deviation_percent, indicative_cost
from .predicates import MODERATION_STATUSES, VALUATION_STATUSES
from .search import SEARCH_CONFIG

SORTS = {"terbaru": ("-created_at", "-pk"), "dukungan": ("-support_count", "-created_at", "-pk")}


def public_q() -> Q:
    """What anyone may see: not drafts, not hidden, and in pre-moderated rounds not waiting for LPM."""
    always = [s for s in Status.values if s not in {Status.DRAFT, Status.HIDDEN, Status.SUBMITTED, Status.NEEDS_CHANGES}]
    return Q(status__in=always) | Q(status=Status.SUBMITTED, round__premoderation=False)


def project_ids_q(ids) -> Q:
    """The proposals whose `project_id` is among `ids`: their pabulib id, or their pk when they have none.

    Ids may come from a form: one with a NUL byte matches nothing (PostgreSQL text cannot hold it),
    and only ASCII digits are a pk ('²' is a digit to str.isdigit(), not a number to int())."""
    ids = [str(i) for i in ids if "\x00" not in str(i)]
    pks = [int(i) for i in ids if i.isascii() and i.isdigit() and len(i) < 18]
    return Q(external_id__in=ids) | Q(external_id="", pk__in=pks)


def _with_counts(queryset: QuerySet[Proposal]) -> QuerySet[Proposal]:
    supports = Support.objects.filter(proposal=OuterRef("pk")).order_by().values("proposal")
    comments = Comment.objects.filter(proposal=OuterRef("pk"), hidden=False).order_by().values("proposal")
    return queryset.annotate(
        support_count=Coalesce(Subquery(supports.annotate(n=Count("pk")).values("n")[:1]), 0),
        comment_count=Coalesce(Subquery(comments.annotate(n=Count("pk")).values("n")[:1]), 0),
        cost_value=Coalesce(F("final_cost"), F("estimated_cost")),
    )


def _search(queryset: QuerySet[Proposal], text: str) -> QuerySet[Proposal]:
    text = text.strip()[:200]
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        # The stored, GIN-indexed document (proposals/search.py): no tsvector computed per row.
        return queryset.filter(search_document=SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch"))
    # `make run`'s SQLite has no full-text search (its search_document is NULL): words in order, as typed.
    return queryset.filter(Q(title__icontains=text) | Q(description__icontains=text) | Q(address__icontains=text))


def _thumbs() -> Prefetch:
    return Prefetch("photos", queryset=ProposalPhoto.objects.order_by("order", "pk"), to_attr="photo_list")


def proposal_list(*, round_: Round | None = None, area_id: int | None = None, category: str | None = None,
                  status: str | None = None, q: str = "", sort: str = "terbaru") -> QuerySet[Proposal]:
    """Public proposals, filtered and sorted, with support and comment counts and photos prefetched."""
    queryset = Proposal.objects.filter(public_q()).select_related("area", "category", "round")
    if round_ is not None:
        queryset = queryset.filter(round=round_)
    if area_id:
        queryset = queryset.filter(area_id=area_id)
    if category:
        queryset = queryset.filter(category_id=category)
    if status:
        queryset = queryset.filter(status=status)
    queryset = _search(queryset, q)
    return _with_counts(queryset).order_by(*SORTS.get(sort, SORTS["terbaru"])).prefetch_related(_thumbs())


def map_points(proposals: QuerySet[Proposal]) -> list[dict]:
    """Markers for the proposal map, in the list's order: where, what, and the link to the proposal."""
    return [
        {"lat": p.latitude, "lng": p.longitude, "title": p.title, "url": p.get_absolute_url(),
         "category": p.category.label, "color": p.category.color, "status": p.get_status_display(),
         "area": p.area.name, "supports": p.support_count}
        for p in proposals.prefetch_related(None)
    ]


def proposals_of_user(*, user: User) -> QuerySet[Proposal]:
    return _with_counts(Proposal.objects.filter(proposer=user).select_related("area", "category", "round")) \
        .order_by("-created_at").prefetch_related(_thumbs())


def proposal_detail(*, pk: int, user: User | None = None) -> Proposal:
    """One proposal with everything its page shows. Raises Proposal.DoesNotExist.

    The proposal is read joined with only what every page needs (area, category, round,
    proposer): joined with nine tables, PostgreSQL spent 2-6 ms planning a query it ran in
    0.2 ms. The rest comes in small queries of their own: the kelurahan with its kecamatan, the
    proposal it was merged into (no query when none)."""
    user_id = user.pk if user is not None and user.is_authenticated else None
    queryset = _with_counts(Proposal.objects.select_related("area", "category", "round", "proposer"))
    queryset = queryset.annotate(
        supported=Exists(Support.objects.filter(proposal=OuterRef("pk"), user_id=user_id)) if user_id
        else Value(False, output_field=BooleanField()),
        followed=Exists(Follow.objects.filter(proposal=OuterRef("pk"), user_id=user_id)) if user_id
        else Value(False, output_field=BooleanField()),
    )
    return queryset.prefetch_related(
        Prefetch("area__kelurahan", queryset=Kelurahan.objects.select_related("kecamatan")),
        "merged_into",
        _thumbs(),
        Prefetch("status_changes", queryset=StatusChange.objects.select_related("actor").order_by("created_at", "pk"),
                 to_attr="history"),
        Prefetch("comments", queryset=Comment.objects.select_related("author").order_by("created_at", "pk"),
                 to_attr="comment_list"),
    ).get(pk=pk)


def proposal_reader_row(*, pk: int, user: User) -> tuple | None:
    """What a proposal's shared page puts in for one reader (balikpapan_pb.shared_pages): whether
    they support and follow it, and what the rules ask to say whether they may (its status,
    author, area and round's phase), as plain values the shared cache keeps cheaply
    (`proposal_reader_state` makes them instances). None if there is no such proposal.

    Read on every such page whose reader's state is not kept, so in one statement written out:
    the ORM took longer to compile the same query (7 ms of CPU a page) than PostgreSQL to plan
    and run it."""
    with connection.cursor() as cursor:
        cursor.execute(_reader_state_sql(), [user.pk, user.pk, pk])
        row = cursor.fetchone()
    return None if row is None else tuple(row)


def proposal_reader_state(row: tuple | None) -> Proposal | None:
    """The proposal of a `proposal_reader_row`, on unsaved instances, with `supported` and `followed`."""
    if row is None:
        return None
    (pk, status, proposer_id, round_id, phase, premoderation, area_id, level, kelurahan_id, kecamatan_id,
     supported, followed) = row
    proposal = Proposal(pk=pk, status=status, proposer_id=proposer_id, round_id=round_id, area_id=area_id)
    proposal.round = Round(pk=round_id, phase=phase, premoderation=premoderation)
    proposal.area = Area(pk=area_id, level=level, kelurahan_id=kelurahan_id, kecamatan_id=kecamatan_id)
    proposal.supported, proposal.followed = supported, followed
    return proposal


@functools.cache
def _reader_state_sql() -> str:
    def column(model, name: str) -> str:
        return model._meta.get_field(name).column

    return (
        f"SELECT p.id, p.{column(Proposal, 'status')}, p.{column(Proposal, 'proposer')}, r.id, r.{column(Round, 'phase')}, "
        f"r.{column(Round, 'premoderation')}, a.id, a.{column(Area, 'level')}, a.{column(Area, 'kelurahan')}, "
        f"a.{column(Area, 'kecamatan')}, "
        f"EXISTS (SELECT 1 FROM {Support._meta.db_table} s WHERE s.{column(Support, 'proposal')} = p.id "
        f"AND s.{column(Support, 'user')} = %s), "
        f"EXISTS (SELECT 1 FROM {Follow._meta.db_table} f WHERE f.{column(Follow, 'proposal')} = p.id "
        f"AND f.{column(Follow, 'user')} = %s) "
        f"FROM {Proposal._meta.db_table} p JOIN {Round._meta.db_table} r ON r.id = p.{column(Proposal, 'round')} "
        f"JOIN {Area._meta.db_table} a ON a.id = p.{column(Proposal, 'area')} WHERE p.id = %s"
    )


def _moderation_scope(user: User) -> Q:
    if user.is_superuser or user.role == Role.ADMIN:
        return Q()
    kelurahan = list(user.moderated_kelurahan.values_list("pk", flat=True))
    kecamatan = list(user.moderated_kecamatan.values_list("pk", flat=True))
    return Q(area__level=AreaLevel.KELURAHAN, area__kelurahan_id__in=kelurahan) | Q(
        area__level=AreaLevel.KECAMATAN, area__kecamatan_id__in=kecamatan)


def moderation_queue(*, user: User, status: str | None = None) -> QuerySet[Proposal]:
    """What an LPM officer must look at in their own kelurahan (or kecamatan): submitted and revised
    proposals first, then what was hidden by flags, then approved ones still open to moderation."""
    # Moderation proper happens while the phase allows it; flagged content waits in every phase.
    open_phases = [phase for phase in PHASE_ORDER if allows(phase, Feature.MODERATE)]
    statuses = [status] if status in MODERATION_STATUSES else list(MODERATION_STATUSES)
    flags = Flag.objects.filter(proposal=OuterRef("pk")).order_by().values("proposal")
    waiting = (Q(round__phase__in=open_phases) | Q(status=Status.HIDDEN)) & Q(status__in=statuses)
    if status not in MODERATION_STATUSES:
        # Reports never take a project off an open ballot (proposals.services.flag_create): it waits here.
        locked_phases = [phase for phase in PHASE_ORDER if ballot_locked(phase)]
        waiting |= Q(status__in=BALLOT_STATUSES, round__phase__in=locked_phases) & Exists(flags)
    queryset = Proposal.objects.filter(_moderation_scope(user)).filter(waiting) \
        .select_related("area", "category", "round", "proposer")
    queryset = _with_counts(queryset).annotate(
        flag_count=Coalesce(Subquery(flags.annotate(n=Count("pk")).values("n")[:1]), 0))
    return queryset.order_by("status", "submitted_at", "pk")


def merge_candidates(*, proposal: Proposal) -> QuerySet[Proposal]:
    return Proposal.objects.filter(round_id=proposal.round_id, area_id=proposal.area_id).exclude(pk=proposal.pk) \
        .exclude(status__in=[Status.MERGED, Status.REJECTED, Status.HIDDEN, Status.DRAFT]).order_by("title")


def valuation_queue(*, user: User, status: str | None = None) -> QuerySet[Proposal]:
    queryset = Proposal.objects.all()
    if not (user.is_superuser or user.role == Role.ADMIN):
        queryset = queryset.filter(category__verifikators=user, round__phase="review")
    statuses = [status] if status in VALUATION_STATUSES else list(VALUATION_STATUSES)
    return _with_counts(queryset.filter(status__in=statuses).select_related("area", "category", "round")) \
        .order_by("-support_count", "pk")


def ballot_projects(area: Area) -> QuerySet[Proposal]:
    """The projects on the ballot of an area: feasible (and, later, their outcomes) with a final
    cost that fits the area's budget, cheapest first among equals."""
    return (
        Proposal.objects.filter(area=area, status__in=BALLOT_STATUSES)
        .annotate(cost_value=Coalesce(F("final_cost"), F("estimated_cost")))
        .filter(cost_value__lte=area.budget)
        .select_related("category")
        .order_by("category__order", "cost_value", "pk")
    )


def areas_for_proposer(*, round_: Round, kelurahan_id: str | None) -> QuerySet[Area]:
    """The areas of a round a resident of `kelurahan_id` may propose for: that kelurahan, its kecamatan, the city."""
    if not kelurahan_id:
        return Area.objects.none()
    return Area.objects.filter(
        Q(level=AreaLevel.KOTA) | Q(level=AreaLevel.KECAMATAN, kecamatan_id=kelurahan_id[:8])
        | Q(level=AreaLevel.KELURAHAN, kelurahan_id=kelurahan_id),
        round=round_,
    ).select_related("kelurahan").order_by("level", "name")


def list_filter_choices(*, round_: Round | None) -> dict:
    areas = Area.objects.filter(round=round_).order_by("level", "name") if round_ else Area.objects.none()
    return {"areas": list(areas.values_list("pk", "name", "level"))}


def rounds_with_proposals() -> QuerySet[Round]:
    return Round.objects.exclude(phase="draft").order_by("-year", "name")


def kamus_cost_check(*, proposal: Proposal, final_cost: int | None = None) -> dict | None:
    """The verifikator's comparison: the kamus standard (volume x today's unit price, or the
    price recorded with the proposal if the item left the kamus) against the resident's estimate
    and the final cost, each with its deviation and a flag above 25 %. None outside the kamus."""
    if proposal.outside_kamus or proposal.volume is None:
        return None
    item = proposal.kamus_item
    unit_price = item.unit_price if item is not None else proposal.kamus_unit_price
    standard = indicative_cost(proposal.volume, unit_price)
    rows = []
    final = final_cost if final_cost is not None else proposal.final_cost
    for key, amount in (("estimate", proposal.estimated_cost), ("final", final)):
        if amount is None:
            continue
        percent = deviation_percent(amount, standard)
        rows.append({"key": key, "amount": amount, "percent": percent,
                     "flagged": percent is not None and percent > DEVIATION_LIMIT_PERCENT})
    return {"standard": standard, "unit_price": unit_price, "volume": proposal.volume, "unit": proposal.kamus_unit,
            "code": proposal.kamus_code, "rows": rows, "limit": DEVIATION_LIMIT_PERCENT,
            "flagged": any(row["flagged"] for row in rows)}
