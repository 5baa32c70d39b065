"""Writes of Musrenbang: journey steps, PB results applied to the journey, forums, carry-over.

Permissions (who may record which stage) are declared in rules.py and checked by the views;
these services check what the state of the usulan allows (the order of stages, once per stage),
so that a superuser, like any admin, cannot skip what the journey itself forbids.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.models import User
from balikpapan_pb.shared_pages import rows_changed
from notifications.services import notify_many
from proposals.models import Follow, Proposal, Status, Support
from proposals.money import format_rupiah
from proposals.selectors import project_ids_q
from proposals.services import TransitionError, proposal_move_round
from rounds.models import Area, Round
from rounds.phases import PHASE_ORDER

from .models import (
    FORUM_STAGE_OF_LEVEL,
    STAGE_ORDER,
    AppliedResult,
    CarryOver,
    Forum,
    ForumPriority,
    JourneyStep,
    Recommendation,
    Stage,
)
from .selectors import journey_position

# Usulan that can move along the journey: visible, and neither rejected, merged nor infeasible.
JOURNEY_STATUSES = {Status.SUBMITTED, Status.APPROVED, Status.FEASIBLE, Status.SELECTED, Status.NOT_SELECTED,
                    Status.IN_PROGRESS, Status.COMPLETED}


class JourneyError(ValidationError):
    """The step does not fit the journey (wrong stage, already recorded, usulan not active)."""


def _label(choices, value) -> str:
    with translation.override("id"):
        return str(choices(value).label)


def _in_languages(choices, value) -> dict[str, str]:
    """A label in every language of the site: the reader's is picked when the message is written."""
    labels = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            labels[code] = str(choices(value).label)
    return labels


def _notify_step(step: JourneyStep, proposal: Proposal) -> int:
    """Followers and supporters, each once, told in the step's transaction (the outbox delivers)."""
    followers = Follow.objects.filter(proposal=proposal).values_list("user_id", flat=True)
    supporters = Support.objects.filter(proposal=proposal).values_list("user_id", flat=True)
    recipients = set(followers) | set(supporters)
    amount = format_rupiah(step.recommended_amount) if step.recommended_amount is not None else ""
    return notify_many(recipient_ids=recipients, kind="proposal_journey",
                       context={"title": proposal.title, "stage_label": _in_languages(Stage, step.stage),
                                "recommendation_label": _in_languages(Recommendation, step.recommendation),
                                "reason": step.reason, "amount": amount},
                       url=proposal.get_absolute_url() + "#jejak")


@transaction.atomic
def journey_step_record(*, proposal: Proposal, stage: str, recommendation: str, reason: str, actor: User | None,
                        recommended_amount: int | None = None, forum: Forum | None = None,
                        automatic: bool = False, notify: bool = True) -> JourneyStep:
    """Records the recommendation at the usulan's current stage and tells its followers and
    supporters. The stage must be the one the usulan stands at now (the first, or the one after
    the last accepted step); a refused usulan stops; a deferred one waits for the next round."""
    locked = Proposal.objects.select_for_update(of=("self",)).select_related("round").get(pk=proposal.pk)
    reason = (reason or "").strip()
    if stage not in STAGE_ORDER:
        raise JourneyError({"stage": _("Tahap tidak dikenal.")})
    if recommendation not in Recommendation.values:
        raise JourneyError({"recommendation": _("Rekomendasi tidak dikenal.")})
    if not reason:
        raise JourneyError({"reason": _("Alasan wajib diisi.")})
    if recommended_amount is not None and recommended_amount < 0:
        raise JourneyError({"recommended_amount": _("Pagu tidak boleh negatif.")})
    if locked.status not in JOURNEY_STATUSES:
        raise JourneyError(_("Usulan dengan status “%(status)s” tidak dapat dilanjutkan.")
                           % {"status": locked.get_status_display()})
    steps = list(JourneyStep.objects.filter(proposal=locked))  # under the lock: no step can join them now
    if any(step.round_id == locked.round_id and step.stage == stage for step in steps):
        raise JourneyError(_("Rekomendasi tahap ini sudah dicatat untuk putaran ini."))
    position = journey_position(steps=steps)
    # A PB result, or a forum's agreed priorities, may take an usulan past stages nobody recorded
    # (an usulan without an RT/RW step reaches the kelurahan forum), never back or past a refusal.
    may_skip = automatic or forum is not None
    if not may_skip and position.stage != stage:
        raise JourneyError(_("Usulan ini tidak sedang berada pada tahap tersebut."))
    if may_skip and (position.stopped or STAGE_ORDER.index(stage) < STAGE_ORDER.index(position.stage or stage)):
        raise JourneyError(_("Usulan ini sudah melewati tahap tersebut."))
    step = JourneyStep(proposal=locked, round=locked.round, stage=stage, recommendation=recommendation, reason=reason,
                       recommended_amount=recommended_amount, forum=forum, actor=actor, automatic=automatic)
    # No query to prove that the usulan and its round exist (the usulan is locked, its round came
    # with it), nor for the constraints: once per stage and round, and a pagu not negative, are
    # checked above (and by the database).
    step.full_clean(exclude=["proposal", "round"], validate_constraints=False)
    step.save()
    audit_record(actor=actor, action="journey.step", target=locked,
                 detail={"stage": stage, "recommendation": recommendation, "automatic": automatic})
    if notify:  # the demo seeds past years' steps: nobody is told of them
        _notify_step(step, locked)
    return step


def _result_reason(project: dict, round_: Round) -> str:
    """The published result's own plain-language reason, prefixed with the vote it comes from."""
    with translation.override("id"):
        detail = project.get("reason_id") or str(_("Didanai: %(votes)s suara, biaya %(cost)s.")) % {
            "votes": project.get("votes"), "cost": format_rupiah(project.get("cost"))}
        return str(_("Hasil pemungutan suara %(round)s: %(reason)s")) % {"round": round_.name, "reason": detail}


@transaction.atomic
def journey_apply_result(*, snapshot, notify: bool = True) -> int:
    """A published PB result is the priority list of its area's forum: every usulan it funds moves
    on from that forum's stage, with the result as its reason. Once per snapshot; returns how
    many usulan moved."""
    if snapshot.published_at is None:
        raise JourneyError(_("Hasil ini belum diumumkan."))
    applied, created = AppliedResult.objects.select_for_update().get_or_create(snapshot=snapshot)
    if not created:
        return 0
    area = snapshot.area
    stage = FORUM_STAGE_OF_LEVEL.get(area.level)
    projects = {str(p["id"]): p for p in snapshot.result.get("projects", []) if p.get("selected")}
    moved = 0
    if stage and projects:
        proposals = Proposal.objects.filter(project_ids_q(projects), round_id=snapshot.round_id, area=area)
        for proposal in proposals.order_by("pk"):
            if JourneyStep.objects.filter(proposal=proposal, round_id=snapshot.round_id, stage=stage).exists():
                continue
            try:
                with transaction.atomic():
                    journey_step_record(proposal=proposal, stage=stage, recommendation=Recommendation.ACCEPTED,
                                        reason=_result_reason(projects[proposal.project_id], snapshot.round),
                                        actor=None, recommended_amount=projects[proposal.project_id].get("cost"),
                                        automatic=True, notify=notify)
            except JourneyError:
                continue  # refused earlier, or further along already: the journey keeps what people decided
            moved += 1
    applied.moved = moved
    applied.save(update_fields=["moved"])
    return moved


def journey_apply_published_results(*, notify: bool = True) -> int:
    """Every published result not applied yet (the beat task; safe to run twice at once)."""
    from voting.models import ResultSnapshot

    pending = (ResultSnapshot.objects.filter(published_at__isnull=False)
               .exclude(pk__in=AppliedResult.objects.values("snapshot_id"))
               .select_related("area", "round").order_by("pk"))
    return sum(journey_apply_result(snapshot=snapshot, notify=notify) for snapshot in pending)



# --- carry-over ---------------------------------------------------------------------------------

# Feasible but unfunded; or deferred by a forum that the budget did not reach.
CARRY_STATUSES = {Status.FEASIBLE, Status.NOT_SELECTED}
CARRY_DEFERRED_STATUSES = {Status.SUBMITTED, Status.APPROVED, Status.FEASIBLE, Status.NOT_SELECTED}
VOTING_INDEX = PHASE_ORDER.index("voting")


def carry_target_rounds(*, proposal: Proposal):
    """Later rounds, not yet voting, with an area of the same code: where the usulan can go on."""
    return (Round.objects.filter(year__gt=proposal.round.year, phase__in=PHASE_ORDER[:VOTING_INDEX],
                                 areas__code=proposal.area.code)
            .exclude(pk=proposal.round_id).distinct().order_by("year", "pk"))


def carry_eligible(*, proposal: Proposal) -> bool:
    if proposal.status in CARRY_STATUSES:
        return True
    position = journey_position(steps=list(JourneyStep.objects.filter(proposal=proposal)))
    return position.deferred and proposal.status in CARRY_DEFERRED_STATUSES


@transaction.atomic
def proposal_carry_over(*, proposal: Proposal, to_round: Round, actor: User | None, reason: str = "") -> CarryOver:
    """Carries a feasible-but-unfunded (or forum-deferred) usulan into a later round: the same
    record keeps its history, supporters and followers, and says "usulan 2026, dilanjutkan".
    Never twice into the same round."""
    locked = Proposal.objects.select_for_update(of=("self",)).select_related("round", "area").get(pk=proposal.pk)
    from_round = locked.round
    if to_round.pk == from_round.pk or CarryOver.objects.filter(proposal=locked, to_round=to_round).exists():
        raise JourneyError(_("Usulan ini sudah dilanjutkan ke putaran tersebut."))
    if to_round.year <= from_round.year or PHASE_ORDER.index(to_round.phase) >= VOTING_INDEX:
        raise JourneyError(_("Usulan hanya dapat dilanjutkan ke putaran berikutnya yang belum memasuki pemungutan suara."))
    if not carry_eligible(proposal=locked):
        raise JourneyError(_("Hanya usulan layak yang belum didanai, atau yang ditunda forum, yang dapat dilanjutkan."))
    area = Area.objects.filter(round=to_round, code=locked.area.code).first()
    if area is None:
        raise JourneyError(_("Putaran tujuan tidak memiliki wilayah %(area)s.") % {"area": locked.area.label})
    text = (reason or "").strip() or str(_("Usulan %(year)s, dilanjutkan ke %(round)s.")
                                         % {"year": from_round.year, "round": to_round.name})
    carry = CarryOver(proposal=locked, from_round=from_round, to_round=to_round, from_status=locked.status,
                      reason=text, actor=actor)
    carry.full_clean()
    carry.save()
    try:
        proposal_move_round(proposal=locked, round=to_round, area=area, actor=actor, reason=text,
                            allowed_from=[locked.status])
    except TransitionError as error:  # pragma: no cover - the row is locked above
        raise JourneyError(_("Status usulan berubah; coba lagi.")) from error
    proposal.round, proposal.area = to_round, area
    return carry


# --- forums ---------------------------------------------------------------------------------------

def forum_candidates(*, forum: Forum):
    """The usulan a forum can put on its priority list: those of its round in its wilayah."""
    queryset = Proposal.objects.filter(round_id=forum.round_id, status__in=JOURNEY_STATUSES).select_related("area")
    if forum.level == "kelurahan":
        queryset = queryset.filter(area__level="kelurahan", area__kelurahan_id=forum.kelurahan_id)
    elif forum.level == "kecamatan":
        queryset = queryset.filter(Q(area__level="kecamatan", area__kecamatan_id=forum.kecamatan_id)
                                   | Q(area__level="kelurahan", area__kelurahan__kecamatan_id=forum.kecamatan_id))
    return queryset.order_by("area__code", "title", "pk")


def _forum_reason(forum: Forum, rank: int) -> str:
    with translation.override("id"):
        held = date_format(timezone.localtime(forum.held_at), "j F Y")
        return str(_("Prioritas ke-%(rank)d yang disepakati %(forum)s %(place)s, %(date)s.")) % {
            "rank": rank, "forum": _label(Stage, forum.stage), "place": forum.place_name, "date": held}


def forum_priorities_record(*, forum: Forum, actor: User | None, notify: bool = True) -> int:
    """Every priority the forum agreed is accepted at the forum's stage, with the forum as its
    reason, and its followers and supporters are told. Once per usulan and stage: saving the
    forum again, or a PB result of the same stage, adds nothing; an usulan refused earlier or
    already further along keeps what people decided. Returns how many steps were recorded."""
    recorded = 0
    for priority in forum.priorities.select_related("proposal").order_by("rank"):
        if JourneyStep.objects.filter(proposal_id=priority.proposal_id, round_id=forum.round_id,
                                      stage=forum.stage).exists():
            continue
        try:
            with transaction.atomic():
                journey_step_record(proposal=priority.proposal, stage=forum.stage,
                                    recommendation=Recommendation.ACCEPTED, reason=_forum_reason(forum, priority.rank),
                                    actor=actor, forum=forum, notify=notify)
        except JourneyError:
            continue
        recorded += 1
    return recorded


@transaction.atomic
def forum_save(*, forum: Forum, actor: User | None, priorities: list[Proposal], notify: bool = True,
               **fields) -> Forum:
    """Creates or updates a forum with its agreed priorities (in order, replacing the old list),
    each recorded on its usulan's journey."""
    for name, value in fields.items():
        setattr(forum, name, value.strip() if isinstance(value, str) else value)
    created = forum.pk is None
    if created:
        forum.recorded_by = actor
    forum.full_clean()
    forum.save()
    allowed = set(forum_candidates(forum=forum).values_list("pk", flat=True))
    if any(p.pk not in allowed for p in priorities):
        raise ValidationError(_("Prioritas hanya dapat dipilih dari usulan wilayah forum ini."))
    ForumPriority.objects.filter(forum=forum).delete()
    ForumPriority.objects.bulk_create(ForumPriority(forum=forum, proposal=p, rank=rank)
                                      for rank, p in enumerate(priorities, start=1))
    rows_changed(ForumPriority)
    audit_record(actor=actor, action="forum.create" if created else "forum.update", target=forum,
                 detail={"level": forum.level, "priorities": [p.pk for p in priorities],
                         "attendance": [forum.attendance_men, forum.attendance_women]})
    forum_priorities_record(forum=forum, actor=actor, notify=notify)
    return forum
