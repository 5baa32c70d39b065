"""Reads of Musrenbang: where an usulan stands on its journey, timelines, forums, nasib usulan."""

from dataclasses import dataclass

from .models import STAGE_ORDER, JourneyStep, Recommendation


@dataclass(frozen=True)
class Position:
    stage: str | None       # the stage whose recommendation is awaited (None once done or stopped)
    stopped: bool = False   # refused: the journey ends here
    deferred: bool = False  # deferred: waits (the usulan may be carried into the next round)
    reached: str | None = None  # the furthest stage accepted


def journey_position(*, steps: list[JourneyStep]) -> Position:
    """Pure: from the steps recorded so far (any order), where the usulan stands."""
    if not steps:
        return Position(stage=STAGE_ORDER[0])
    last = max(steps, key=lambda s: (s.created_at is not None, s.created_at, s.pk or 0))
    accepted = [s.stage_index for s in steps if s.recommendation == Recommendation.ACCEPTED]
    reached = STAGE_ORDER[max(accepted)] if accepted else None
    if last.recommendation == Recommendation.REFUSED:
        return Position(stage=None, stopped=True, reached=reached)
    if last.recommendation == Recommendation.DEFERRED:
        return Position(stage=last.stage, deferred=True, reached=reached)
    following = last.stage_index + 1
    return Position(stage=STAGE_ORDER[following] if following < len(STAGE_ORDER) else None, reached=reached)


@dataclass
class TimelineEntry:
    stage: str
    label: str
    steps: list
    state: str  # "accepted", "deferred", "refused", "current", "future"


def journey_timeline(*, proposal) -> dict:
    """Every stage in order with the steps recorded at it (across rounds) and where the usulan
    stands: what the public timeline on the proposal page shows. Two queries."""
    from .models import CarryOver, Stage

    steps = list(JourneyStep.objects.filter(proposal=proposal).select_related("round").order_by("created_at", "pk"))
    carried = list(CarryOver.objects.filter(proposal=proposal).select_related("from_round", "to_round")
                   .order_by("created_at", "pk"))
    position = journey_position(steps=steps)
    entries = []
    for stage, label in Stage.choices:
        at_stage = [s for s in steps if s.stage == stage]
        if at_stage:
            state = at_stage[-1].recommendation
            if position.stage == stage and state == Recommendation.DEFERRED:
                state = "deferred"
        elif position.stage == stage:
            state = "current"
        else:
            state = "future"
        entries.append(TimelineEntry(stage=stage, label=str(label), steps=at_stage, state=state))
    return {"entries": entries, "position": position, "carried": carried}


def forums_of_round(*, round) -> list:  # noqa: A002
    from .models import Forum

    return list(Forum.objects.filter(round=round).select_related("kelurahan", "kecamatan").order_by("level", "held_at", "pk"))


def forum_desk(*, user, round, forums) -> list[dict]:  # noqa: A002
    """The forums this officer may record in a round: their kelurahan, their kecamatan, the city
    for admins; each with the forum already recorded, if any."""
    from accounts.models import Role
    from wilayah.models import Kecamatan, Kelurahan

    is_admin = user.is_superuser or user.role == Role.ADMIN
    if not (is_admin or user.role == Role.MODERATOR):
        return []
    kelurahan = Kelurahan.objects.all() if is_admin else user.moderated_kelurahan.all()
    kecamatan = Kecamatan.objects.all() if is_admin else user.moderated_kecamatan.all()
    recorded = {(f.level, f.kelurahan_id or f.kecamatan_id or "64.71"): f for f in forums}
    desk = [{"level": "kelurahan", "code": k.code, "name": k.name, "forum": recorded.get(("kelurahan", k.code))}
            for k in kelurahan.order_by("code")]
    desk += [{"level": "kecamatan", "code": k.code, "name": k.name, "forum": recorded.get(("kecamatan", k.code))}
             for k in kecamatan.order_by("code")]
    if is_admin:
        desk.append({"level": "kota", "code": "64.71", "name": "Balikpapan", "forum": recorded.get(("kota", "64.71"))})
    return desk


def forum_detail(*, forum) -> dict:
    priorities = list(forum.priorities.select_related("proposal__area", "proposal__category").order_by("rank"))
    return {"forum": forum, "priorities": priorities,
            "officers": [line.strip() for line in forum.officers.splitlines() if line.strip()],
            "delegates": [line.strip() for line in forum.delegates.splitlines() if line.strip()]}


def musrenbang_index(*, user) -> dict:
    """The rounds whose forums can be looked at (not those still in preparation), and every
    kecamatan with its kelurahan for the nasib usulan pages. Three queries."""
    from rounds.models import Round
    from wilayah.models import Kecamatan, Kelurahan

    own = None
    if user.is_authenticated and user.kelurahan_id:
        own = Kelurahan.objects.select_related("kecamatan").filter(pk=user.kelurahan_id).first()
    return {
        "rounds": list(Round.objects.exclude(phase="draft").order_by("-year", "name")),
        "kecamatan_list": list(Kecamatan.objects.prefetch_related("kelurahan_set").order_by("name")),
        "own_kelurahan": own,
    }


def forum_paper(*, forum, user) -> dict:
    """The paper ballots of a kelurahan forum: how many each officer entered (counts only, from
    voting's participations, never which ballot), and for the forum's own officer the links to
    enter them, one per area of the round in voting that the forum reaches."""
    from voting.selectors import paper_entries_by_forum
    from voting.services import can_enter_paper

    if forum.level != "kelurahan":
        return {"entries": [], "total": 0, "links": []}
    entries = paper_entries_by_forum(round=forum.round, kelurahan_id=forum.kelurahan_id)
    links = []
    if forum.round.phase == "voting" and user.is_authenticated:
        areas = forum.round.areas.order_by("level", "code")
        links = [area for area in areas if can_enter_paper(user, area, forum.kelurahan_id)]
    return {"entries": entries, "total": sum(row["entries"] for row in entries), "links": links}


def nasib_usulan(*, kelurahan=None, kecamatan=None) -> dict:
    """What became of the usulan of a kelurahan (or of a kecamatan, its kelurahan included):
    per year how many reached each stage and the share realised, over all years too, and what
    waits and why. Three queries whatever the number of usulan."""
    from django.db.models import Q

    from proposals.models import Proposal, Status

    from .models import Stage

    if kelurahan is not None:
        scope = Q(area__level="kelurahan", area__kelurahan=kelurahan)
    else:
        scope = Q(area__level="kecamatan", area__kecamatan=kecamatan) | Q(
            area__level="kelurahan", area__kelurahan__kecamatan=kecamatan)
    proposals = list(Proposal.objects.filter(scope).exclude(status__in=[Status.DRAFT, Status.HIDDEN, Status.MERGED])
                     .filter(~Q(status__in=[Status.SUBMITTED, Status.NEEDS_CHANGES]) | Q(round__premoderation=False))
                     .select_related("round", "area").order_by("-round__year", "title", "pk"))
    steps_by_proposal: dict[int, list[JourneyStep]] = {}
    for step in JourneyStep.objects.filter(proposal__in=[p.pk for p in proposals]).order_by("created_at", "pk"):
        steps_by_proposal.setdefault(step.proposal_id, []).append(step)
    stages = list(Stage.choices)
    years: dict[int, dict] = {}
    total = {"year": None, "count": 0, "reached": [0] * len(stages), "realised": 0}
    waiting = []
    for proposal in proposals:
        steps = steps_by_proposal.get(proposal.pk, [])
        position = journey_position(steps=steps)
        reached = STAGE_ORDER.index(position.reached) if position.reached else -1
        realised = position.reached == Stage.DONE or proposal.status == Status.COMPLETED
        row = years.setdefault(proposal.round.year, {"year": proposal.round.year, "count": 0,
                                                     "reached": [0] * len(stages), "realised": 0})
        for bucket in (row, total):
            bucket["count"] += 1
            bucket["realised"] += int(realised)
            for index in range(reached + 1):
                bucket["reached"][index] += 1
        if not realised and steps and steps[-1].recommendation != Recommendation.ACCEPTED:
            waiting.append({"proposal": proposal, "step": steps[-1], "stopped": position.stopped})
    rows = sorted(years.values(), key=lambda r: -r["year"]) + ([total] if len(years) > 1 else [])
    for row in rows:
        row["share"] = round(row["realised"] * 100 / row["count"]) if row["count"] else None
    return {"stages": [label for _value, label in stages], "rows": rows, "total": total, "waiting": waiting[:100],
            "waiting_count": len(waiting)}
