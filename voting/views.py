"""Ballot pages for residents, paper ballot entry for moderators, tally pages for admins.

Views read the request, call a selector or a service, and render. No voting logic here.
"""

from __future__ import annotations

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from accounts.desk import ballot_hidden_until
from accounts.predicates import is_admin
from proposals.models import BALLOT_STATUSES, Proposal
from rounds.models import Area, BallotType, Round, TallyRule

from . import selectors, services
from .forms import PaperBallotNikForm, WithdrawalForm, ballot_from_post
from .models import Channel, Participation, ResultSnapshot


def _area(round_slug: str, area_id: int) -> Area:
    return get_object_or_404(
        Area.objects.select_related("round", "kelurahan", "kecamatan"), pk=area_id, round__slug=round_slug
    )


def _area_from_kwargs(request, round_slug: str, area_id: int, **kwargs) -> Area:
    return _area(round_slug, area_id)


def _round_from_kwargs(request, round_slug: str, **kwargs) -> Round:
    return get_object_or_404(Round, slug=round_slug)


def _rows(round: Round, projects: list[Proposal], choices, blank: bool) -> list[dict]:
    """One line per project with what the voter has marked, for the form and the summary."""
    chosen = choices or ([] if round.ballot_type != BallotType.CUMULATIVE else {})
    ranks = {pid: n for n, pid in enumerate(chosen, start=1)} if round.ballot_type == BallotType.RANKED else {}
    points = chosen if isinstance(chosen, dict) else {}
    picked = set(chosen) if isinstance(chosen, list) else set()
    return [
        {
            "proposal": p, "id": p.project_id, "cost": p.ballot_cost,
            "checked": p.project_id in picked, "rank": ranks.get(p.project_id), "points": points.get(p.project_id, 0),
        }
        for p in projects
    ]


def _hidden_fields(round: Round, choices, blank: bool) -> list[tuple[str, str]]:
    if blank:
        return [("blank", "1")]
    if round.ballot_type == BallotType.RANKED:
        return [(f"rank_{pid}", str(n)) for n, pid in enumerate(choices, start=1)]
    if round.ballot_type == BallotType.CUMULATIVE:
        return [(f"points_{pid}", str(n)) for pid, n in choices.items()]
    return [("project", pid) for pid in choices]


def _ballot_context(area: Area, projects: list[Proposal], choices, blank: bool) -> dict:
    round_ = area.round
    rows = _rows(round_, projects, choices, blank)
    return {
        "area": area, "round": round_, "rows": rows, "blank": blank,
        "closes_at": selectors.voting_closes_at(round_),
        # The confirmation of a ranked ballot reads in rank order (the form keeps the ballot's order).
        "chosen_rows": sorted((r for r in rows if r["rank"]), key=lambda r: r["rank"])
        if round_.ballot_type == BallotType.RANKED else [r for r in rows if r["checked"] or r["points"]],
        "ranks": range(1, round_.max_choices + 1),
        "chosen_cost": sum(r["cost"] for r in rows if r["checked"]),
        "is_knapsack": round_.ballot_type == BallotType.KNAPSACK,
        "is_approval": round_.ballot_type == BallotType.APPROVAL,
        "is_ranked": round_.ballot_type == BallotType.RANKED,
        "is_cumulative": round_.ballot_type == BallotType.CUMULATIVE,
    }


@login_required
def index(request):
    """The rounds open for voting and, for each, the areas this resident votes in."""
    rounds = list(Round.objects.filter(phase="voting").order_by("-year", "name"))
    voted = set(
        Participation.objects.filter(round__in=rounds, nik_hash=request.user.nik_hash or "-").values_list("area_id", flat=True)
    )
    entries = []
    for round_ in rounds:
        areas = selectors.areas_for_resident(round=round_, kelurahan_id=request.user.kelurahan_id)
        entries.append({"round": round_, "areas": [{"area": a, "voted": a.pk in voted} for a in areas]})
    return render(request, "voting/index.html", {"entries": entries, "paper_areas": selectors.paper_areas_for(request.user)})


@login_required
def ballot(request, round_slug: str, area_id: int):
    area = _area(round_slug, area_id)
    ok, reason = services.voter_eligibility(user=request.user, area=area)
    if not ok:
        return render(request, "voting/ineligible.html", {"area": area, "reason": reason}, status=403)
    if request.method == "POST" and request.POST.get("confirm") == "1" and request.POST.get("edit") != "1":
        # A confirmed ballot: the costs are read once, and the service reads the old ballot
        # and the participation under its lock. Whatever it refuses is answered by the full
        # page below, exactly as before (a paper voter's 403, the form with the message).
        costs = selectors.ballot_project_costs(area)
        try:
            choices, blank = ballot_from_post(round=area.round, project_ids=list(costs), data=request.POST)
            services.ballot_cast(voter=request.user, area=area, choices=choices, blank=blank, costs=costs)
            return redirect("voting:done", round_slug=area.round.slug, area_id=area.pk)
        except (ValidationError, PermissionDenied):
            pass
    participation = Participation.objects.filter(
        round_id=area.round_id, area=area, nik_hash=request.user.nik_hash
    ).only("channel", "detached").first()
    if participation is not None and participation.detached:
        return render(request, "voting/ineligible.html", {"area": area, "reason": services.detached_message(area)},
                      status=403)
    if participation is not None and participation.channel == Channel.PAPER:
        reason = _("Anda sudah memilih dengan surat suara kertas di forum warga untuk %(area)s.") % {"area": area.name}
        return render(request, "voting/ineligible.html", {"area": area, "reason": reason}, status=403)
    seed = selectors.voter_key(nik_hash=request.user.nik_hash or f"user-{request.user.pk}", round_id=area.round_id,
                               area_id=area.pk)
    projects = selectors.ballot_order(list(selectors.ballot_projects(area)), seed=seed)
    project_ids = [p.project_id for p in projects]
    current = selectors.own_ballot(nik_hash=request.user.nik_hash, area=area) if participation else None
    hidden_until = ballot_hidden_until(request.user) if current else None
    if hidden_until:  # signed in through a desk reset lately: the old choices are neither shown nor replaced
        return render(request, "voting/ballot_hidden.html", {"area": area, "round": area.round, "until": hidden_until},
                      status=403 if request.method == "POST" else 200)
    choices, blank = (current.choices, current.blank) if current else (None, False)
    errors: list[str] = []

    if request.method == "POST":
        try:
            choices, blank = ballot_from_post(round=area.round, project_ids=project_ids, data=request.POST)
            if request.POST.get("edit") != "1":
                costs = {p.project_id: p.ballot_cost for p in projects}
                normalized = services.ballot_validate(round=area.round, area=area, choices=choices, blank=blank, costs=costs)
                if request.POST.get("confirm") == "1":
                    services.ballot_cast(voter=request.user, area=area, choices=normalized, blank=blank)
                    return redirect("voting:done", round_slug=area.round.slug, area_id=area.pk)
                context = _ballot_context(area, projects, normalized, blank)
                context["hidden"] = _hidden_fields(area.round, normalized, blank)
                context["changing"] = current is not None
                return render(request, "voting/confirm.html", context)
        except ValidationError as error:
            errors = error.messages
            choices = choices if isinstance(choices, list | dict) else None

    context = _ballot_context(area, projects, choices if isinstance(choices, list | dict) else None, blank)
    context.update({"errors": errors, "current": current})
    return render(request, "voting/ballot.html", context, status=400 if errors else 200)


@login_required
def done(request, round_slug: str, area_id: int):
    area = _area(round_slug, area_id)
    current = selectors.own_ballot(nik_hash=request.user.nik_hash, area=area)
    if current is None:
        return redirect("voting:ballot", round_slug=round_slug, area_id=area.pk)
    others = [
        a for a in selectors.areas_for_resident(round=area.round, kelurahan_id=request.user.kelurahan_id) if a.pk != area.pk
    ]
    return render(request, "voting/done.html", {"area": area, "round": area.round, "ballot": current, "others": others,
                                                "hidden_until": ballot_hidden_until(request.user)})


@login_required
@permission_required("voting.enter_paper_ballot", fn=_area_from_kwargs, raise_exception=True)
def paper(request, round_slug: str, area_id: int):
    """Paper ballots of a kelurahan forum (?kelurahan=<code>, which an officer of one kelurahan may leave out)."""
    from wilayah.models import Kelurahan

    area = _area(round_slug, area_id)
    forums = services.paper_forum_kelurahan_ids(request.user, area)
    kelurahan_id = request.GET.get("kelurahan") or (forums[0] if len(forums) == 1 else None)
    if kelurahan_id is not None and kelurahan_id not in forums:
        raise PermissionDenied
    projects = selectors.ballot_order(list(selectors.ballot_projects(area)), seed=selectors.forum_ballot_seed(area))
    form = PaperBallotNikForm(request.POST or None)
    errors: list[str] = []
    choices, blank = None, False
    if request.method == "POST" and form.is_valid():
        try:
            choices, blank = ballot_from_post(
                round=area.round, project_ids=[p.project_id for p in projects], data=request.POST
            )
            ballot = services.paper_ballot_enter(
                moderator=request.user, nik=form.cleaned_data["nik"], area=area, choices=choices, blank=blank,
                kelurahan_id=kelurahan_id,
            )
        except ValidationError as error:
            errors = error.messages
        except PermissionDenied:
            raise
        else:
            messages.success(
                request,
                _("Surat suara kertas tercatat. Kode tanda terima: %(code)s") % {"code": ballot.receipt_code},
            )
            return redirect(request.get_full_path())
    context = _ballot_context(area, projects, choices if isinstance(choices, list | dict) else None, blank)
    context.update({
        "form": form, "errors": errors, "is_paper": True,
        "forum_kelurahan": Kelurahan.objects.filter(pk=kelurahan_id).first() if kelurahan_id else None,
        "forum_choices": Kelurahan.objects.filter(pk__in=forums).order_by("name") if kelurahan_id is None else [],
    })
    return render(request, "voting/paper.html", context, status=400 if errors or form.errors else 200)


@login_required
@permission_required("voting.view_tally", fn=_round_from_kwargs, raise_exception=True)
def tally_overview(request, round_slug: str):
    """Aggregates only: ballots per area, snapshots, runs. Never a list of ballots."""
    round_ = get_object_or_404(Round, slug=round_slug)
    overview = selectors.round_tally_overview(round=round_)
    titles = {
        p.project_id: p.title
        for p in Proposal.objects.filter(round=round_).filter(Q(status__in=BALLOT_STATUSES) | ~Q(external_id="")).only(
            "pk", "external_id", "title"
        )
    }
    running = any(run.status in ("queued", "running") for run in overview["runs"])
    return render(
        request,
        "voting/tally.html",
        {
            "round": round_, **overview, "titles": titles, "running": running, "rules": TallyRule.choices,
            # rules.has_perm, not user.has_perm: Django lets a superuser past every permission,
            # and a button the service then refuses is a button that lies.
            "can_run": rules.has_perm("voting.run_tally", request.user, round_),
            "can_publish": rules.has_perm("voting.publish_result", request.user, round_),
            "publication": selectors.round_publication(round=round_),
            "is_admin": is_admin(request.user),
        },
    )


@login_required
@require_POST
@permission_required("voting.run_tally", fn=_round_from_kwargs, raise_exception=True)
def tally_start(request, round_slug: str):
    round_ = get_object_or_404(Round, slug=round_slug)
    try:
        run = services.tally_run_start(round=round_, rule=request.POST.get("rule", ""), requested_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        run.refresh_from_db(fields=["sent_at", "status"])  # handed to the broker on commit, just now
        if run.waiting_for_broker:
            messages.warning(request, _(
                "Rekapitulasi disimpan, tetapi antrean tugas (Redis) sedang tidak dapat dihubungi. "
                "Rekapitulasi akan dikirim otomatis begitu antrean tersedia kembali."
            ))
        else:
            messages.info(request, _("Rekapitulasi dimulai. Halaman ini menampilkan kemajuannya."))
    return redirect("voting:tally", round_slug=round_.slug)


@login_required
@require_POST
@permission_required("voting.publish_result", fn=_round_from_kwargs, raise_exception=True)
def snapshot_publish(request, round_slug: str, snapshot_id: int):
    snapshot = get_object_or_404(ResultSnapshot.objects.select_related("round"), pk=snapshot_id, round__slug=round_slug)
    try:
        services.snapshot_publish(snapshot=snapshot, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Hasil %(area)s diumumkan.") % {"area": snapshot.area.name})
    return redirect("voting:tally", round_slug=round_slug)


@login_required
@permission_required("voting.publish_result", fn=_round_from_kwargs, raise_exception=True)
def round_publish(request, round_slug: str):
    """One confirmed step: every area's result goes public, and each resident gets one message."""
    round_ = get_object_or_404(Round, slug=round_slug)
    plan = selectors.round_publication(round=round_)
    if request.method == "POST":
        try:
            published = services.round_publish(round=round_, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("voting:round_publish", round_slug=round_.slug)
        messages.success(request, _("Hasil %(round)s diumumkan untuk %(n)d wilayah. Warga diberi tahu.")
                         % {"round": round_.name, "n": len(published) + len(plan.already)})
        return redirect("dashboard:round_results", slug=round_.slug)
    return render(request, "voting/publish_round.html", {"round": round_, "plan": plan})


def _proposal_from_kwargs(request, round_slug: str, proposal_id: int, **kwargs) -> Proposal:
    return get_object_or_404(Proposal.objects.select_related("round", "area"), pk=proposal_id, round__slug=round_slug)


@login_required
@permission_required("proposals.withdraw_from_ballot", fn=_proposal_from_kwargs, raise_exception=True)
def ballot_project_withdraw(request, round_slug: str, proposal_id: int):
    """An admin takes a project off the open ballot, with a public reason (audited)."""
    proposal = _proposal_from_kwargs(request, round_slug, proposal_id)
    form = WithdrawalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.ballot_project_withdraw(proposal=proposal, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("%(title)s ditarik dari surat suara.") % {"title": proposal.title})
            return redirect(proposal.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(request, "voting/withdraw.html", {"proposal": proposal, "form": form}, status=status)
