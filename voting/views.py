"""Ballot pages for residents, paper ballot entry for moderators, tally pages for admins.

Views read the request, call a selector or a service, and render. No voting logic here.
"""

from __future__ import annotations

import hashlib

import rules
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from accounts.predicates import is_admin
from proposals.models import BALLOT_STATUSES, Proposal
from rounds.models import Area, BallotType, Round, TallyRule

from . import ballot_cache, selectors, services
from .forms import PaperBallotNikForm, WithdrawalForm, ballot_from_post
from .models import Channel, Participation, ResultSnapshot
from .templatetags.voting_tags import rupiah


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


def _ballot_context(area: Area, projects: list[Proposal], choices, blank: bool, **closes_at) -> dict:
    """`closes_at=` when the caller knows it already (a kept copy); otherwise it is read."""
    round_ = area.round
    rows = _rows(round_, projects, choices, blank)
    chosen_cost = sum(r["cost"] for r in rows if r["checked"])
    return {
        "area": area, "round": round_, "rows": rows, "blank": blank,
        "closes_at": closes_at["closes_at"] if closes_at else selectors.voting_closes_at(round_),
        # The confirmation of a ranked ballot reads in rank order (the form keeps the ballot's order).
        "chosen_rows": sorted((r for r in rows if r["rank"]), key=lambda r: r["rank"])
        if round_.ballot_type == BallotType.RANKED else [r for r in rows if r["checked"] or r["points"]],
        "ranks": range(1, round_.max_choices + 1),
        "chosen_cost": chosen_cost, "chosen_cost_label": rupiah(chosen_cost),
        "chosen_width": _width(chosen_cost, area.budget),
        **_ballot_flags(round_),
    }


def _ballot_flags(round_: Round) -> dict:
    """Which kind of ballot the templates draw."""
    return {"is_knapsack": round_.ballot_type == BallotType.KNAPSACK,
            "is_approval": round_.ballot_type == BallotType.APPROVAL,
            "is_ranked": round_.ballot_type == BallotType.RANKED,
            "is_cumulative": round_.ballot_type == BallotType.CUMULATIVE}


def _width(part: int, whole: int) -> int:
    """Per cent of the budget bar, as {% widthratio %} gave it."""
    return round(part / whole * 100) if whole else 0


# --- the ballot page: what every voter of an area sees alike is kept (voting.ballot_cache) --------

def _area_ballot_load(area_id: int):
    area = Area.objects.select_related("round", "kelurahan", "kecamatan").filter(pk=area_id).first()
    if area is None:
        raise Http404
    return area, selectors.voting_closes_at(area.round), list(selectors.ballot_projects(area))


def _kept_ballot(round_slug: str, area_id: int) -> ballot_cache.AreaBallot:
    kept = ballot_cache.area_ballot(area_id, lambda: _area_ballot_load(area_id))
    if kept.area.round.slug != round_slug:
        raise Http404
    return kept


def _with_phase(area: Area, phase: str | None) -> Area:
    """The kept area with the phase just read (selectors.area_with_phase). Whether voting is open
    is never taken from a kept copy."""
    if phase is None:  # the round is gone
        raise Http404
    return selectors.area_with_phase(area, phase)


# Where a voter's own bytes go in a kept ballot page: derived from SECRET_KEY, so that no text a
# proposer wrote can contain one (balikpapan_pb.shared_pages does the same for the CSRF token).
_MARK = hashlib.sha256(f"ballot-page|{settings.SECRET_KEY}".encode()).hexdigest()[:24]
_ROWS_MARK = f"<!--sw-ballot-rows-{_MARK}-->"
_RECEIPT_MARK = f"sw-ballot-receipt-{_MARK}"
_COST_MARK = f"sw-ballot-cost-{_MARK}"
_COST_LABEL_MARK = f"sw-ballot-cost-label-{_MARK}"
_WIDTH_MARK = f"sw-ballot-width-{_MARK}"


def _page_is_shareable(request) -> bool:
    """As balikpapan_pb.shared_pages: the page around the cards is the same for every person of
    the role (no officer's own work links, no message waiting, no query string in the language link)."""
    from balikpapan_pb.shared_pages import reader_is_shareable

    return (settings.SHARED_CACHE and request.method == "GET" and not request.META.get("QUERY_STRING")
            and reader_is_shareable(request))


def _ballot_page_kept(request, kept: ballot_cache.AreaBallot, area: Area, projects: list, current, choices,
                      blank: bool) -> HttpResponse:
    """The ballot page from kept parts: the page around the cards (per language, role and path),
    each card in the state this voter's choices give it, in this voter's order; then the voter's
    receipt code, chosen cost, CSRF token and menu."""
    from balikpapan_pb.shared_pages import personalise

    round_ = area.round
    language = translation.get_language()
    flags = _ballot_flags(round_)
    ranks = range(1, round_.max_choices + 1)
    rows = _rows(round_, projects, choices, blank)
    cards = "".join(
        kept.fragment(("card", language, row["id"], row["checked"], row["rank"], row["points"]),
                      lambda row=row: get_template("voting/_ballot_row.html").render(
                          {"row": row, "round": round_, "ranks": ranks, **flags}))
        for row in rows
    )

    def around():
        request._shared_render = True  # the CSRF token and the menu as placeholders
        try:
            return render_to_string("voting/ballot.html", {
                "area": area, "round": round_, "rows": [], "blank": blank, "closes_at": kept.closes_at,
                "ranks": ranks, **flags, "errors": [], "rows_placeholder": _ROWS_MARK,
                "current": {"receipt_code": _RECEIPT_MARK} if current else None,
                "chosen_cost": _COST_MARK, "chosen_cost_label": _COST_LABEL_MARK, "chosen_width": _WIDTH_MARK,
            }, request=request)
        finally:
            request._shared_render = False

    page = kept.fragment(("page", language, request.user.role, request.get_host(), request.path, bool(current), blank),
                         around)
    chosen_cost = sum(r["cost"] for r in rows if r["checked"])
    page = (page.replace(_RECEIPT_MARK, escape(current.receipt_code) if current else "")
            .replace(_COST_LABEL_MARK, rupiah(chosen_cost)).replace(_COST_MARK, str(chosen_cost))
            .replace(_WIDTH_MARK, str(_width(chosen_cost, area.budget)))
            .replace(_ROWS_MARK, cards))  # the cards last: nothing a proposer wrote is searched for marks
    return HttpResponse(personalise(request, page.encode()))


def _vote_state(user, area: Area) -> str:
    """What the vote list offers for an area: "open" (the ballot), "verify" (a residence to verify
    first: the profile, where an invitation code is entered) or "refused" (the ballot page says why)."""
    ok, _reason = services.voter_eligibility(user=user, area=area)
    if ok:
        return "open"
    if (user.nik_hash and user.is_of_voting_age() and area.round.requires_verified_residence
            and not user.is_residence_verified):
        return "verify"
    return "refused"


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
        entries.append({"round": round_, "areas": [
            {"area": a, "state": "voted" if a.pk in voted else _vote_state(request.user, a)}
            for a in areas
        ]})
    return render(request, "voting/index.html", {"entries": entries, "paper_areas": selectors.paper_areas_for(request.user)})


@login_required
def ballot(request, round_slug: str, area_id: int):
    kept = _kept_ballot(round_slug, area_id)
    if request.method == "POST" and request.POST.get("confirm") == "1" and request.POST.get("edit") != "1":
        # A confirmed ballot: the service reads the round's phase and the costs in the statement
        # that locks the voter's participation, then the old ballot with the statement that
        # removes it. Whatever it refuses is answered by the full page below, exactly as before
        # (an ineligible voter's 403, the form with the message). The projects' ids (the form's
        # field names) come from the kept copy, checked against the version key just now.
        try:
            project_ids = [p.project_id for p in kept.projects]
            choices, blank = ballot_from_post(round=kept.area.round, project_ids=project_ids, data=request.POST)
            services.ballot_cast(voter=request.user, area=kept.area, choices=choices, blank=blank)
            return redirect("voting:done", round_slug=round_slug, area_id=area_id)
        except (ValidationError, PermissionDenied):
            pass
    # The round's phase now, the participation, the voter's own ballot and whether a desk reset
    # hides it: one statement.
    state = selectors.voter_state(user=request.user, area=kept.area)
    area = _with_phase(kept.area, state.phase)
    ok, reason = services.voter_eligibility(user=request.user, area=area)
    if not ok:
        return render(request, "voting/ineligible.html", {"area": area, "reason": reason}, status=403)
    if state.detached:
        return render(request, "voting/ineligible.html", {"area": area, "reason": services.detached_message(area)},
                      status=403)
    if state.channel == Channel.PAPER:
        reason = _("Anda sudah memilih dengan surat suara kertas di forum warga untuk %(area)s.") % {"area": area.name}
        return render(request, "voting/ineligible.html", {"area": area, "reason": reason}, status=403)
    seed = selectors.voter_key(nik_hash=request.user.nik_hash or f"user-{request.user.pk}", round_id=area.round_id,
                               area_id=area.pk)
    projects = selectors.ballot_order(kept.projects, seed=seed)
    project_ids = [p.project_id for p in projects]
    current = state.ballot
    hidden_until = state.hidden_until if current else None
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
                context = _ballot_context(area, projects, normalized, blank, closes_at=kept.closes_at)
                context["hidden"] = _hidden_fields(area.round, normalized, blank)
                context["changing"] = current is not None
                return render(request, "voting/confirm.html", context)
        except ValidationError as error:
            errors = error.messages
            choices = choices if isinstance(choices, list | dict) else None

    choices = choices if isinstance(choices, list | dict) else None
    if not errors and projects and _page_is_shareable(request):
        return _ballot_page_kept(request, kept, area, projects, current, choices, blank)
    context = _ballot_context(area, projects, choices, blank, closes_at=kept.closes_at)
    context.update({"errors": errors, "current": current})
    return render(request, "voting/ballot.html", context, status=400 if errors else 200)


@login_required
def done(request, round_slug: str, area_id: int):
    """The receipt a confirmed ballot redirects to: the area and the voter's other areas come from
    the kept copies; the ballot and whether a desk reset hides its receipt code in one statement."""
    kept = _kept_ballot(round_slug, area_id)
    state = selectors.voter_state(user=request.user, area=kept.area)
    area = _with_phase(kept.area, state.phase)
    current = state.ballot
    if current is None:
        return redirect("voting:ballot", round_slug=round_slug, area_id=area.pk)
    others = [
        a for a in _kept_resident_areas(area.round, request.user.kelurahan_id) if a.pk != area.pk
    ]
    return render(request, "voting/done.html", {"area": area, "round": area.round, "ballot": current, "others": others,
                                                "hidden_until": state.hidden_until})


def _kept_resident_areas(round_: Round, kelurahan_id: str | None) -> list[Area]:
    """selectors.areas_for_resident, kept with the ballot copies (areas change with the same version)."""
    return ballot_cache.round_kept(round_.pk).fragment(("areas", kelurahan_id),
                         lambda: selectors.areas_for_resident(round=round_, kelurahan_id=kelurahan_id))


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
