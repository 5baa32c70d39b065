"""Thin views: each names its permission and object, calls a form and a service or a selector."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from proposals.models import Proposal
from proposals.views import _add_errors, _proposal, object_permission_required
from rounds.models import AreaLevel, Round
from wilayah.models import Kecamatan, Kelurahan

from . import selectors, services
from .exports import LEVELS, sipd_csv
from .forms import CarryOverForm, ForumForm, JourneyStepForm
from .models import Forum, JourneyStep, Stage
from .rules import step_perm


def _wilayah_or_404(model, code: str):
    """A kelurahan or kecamatan by Kemendagri code; junk from a URL (a NUL byte PostgreSQL cannot
    take, a code of any length) is a 404, not an error."""
    if "\x00" in code or len(code) > 13:
        raise Http404
    return get_object_or_404(model, pk=code)


def _round(request, slug: str, **kwargs) -> Round:
    request.round = get_object_or_404(Round, slug=slug)
    return request.round


@require_GET
@object_permission_required("musrenbang.export_sipd", fn=lambda request, **kw: None)
def sipd_download(request, slug: str):
    round_ = _round(request, slug)
    level = request.GET.get("tingkat")
    level = level if level in LEVELS else None
    # utf-8-sig so that Excel opens the file with its Indonesian characters intact.
    response = HttpResponse(sipd_csv(round=round_, level=level).encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    name = f"usulan-sipd-{round_.slug}{'-' + level if level else ''}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def step_record(request, pk: int):
    """The responsible person records the recommendation at the stage the usulan stands at."""
    proposal = get_object_or_404(Proposal.objects.select_related("round", "area", "category"), pk=pk)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    position = selectors.journey_position(steps=list(JourneyStep.objects.filter(proposal=proposal)))
    stage = position.stage
    if stage is None or not request.user.has_perm(step_perm(stage), proposal):
        raise PermissionDenied
    form = JourneyStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.journey_step_record(proposal=proposal, stage=stage, recommendation=data["recommendation"],
                                         reason=data["reason"], recommended_amount=data.get("recommended_amount"),
                                         actor=request.user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Rekomendasi tercatat pada jejak usulan."))
            return redirect(proposal.get_absolute_url() + "#jejak")
    status = 400 if request.method == "POST" else 200
    return render(request, "musrenbang/step_form.html",
                  {"proposal": proposal, "form": form, "stage_label": Stage(stage).label}, status=status)


@object_permission_required("musrenbang.carry_over", fn=_proposal)
def carry_over(request, pk: int):
    proposal = request.proposal
    rounds = services.carry_target_rounds(proposal=proposal)
    eligible = services.carry_eligible(proposal=proposal)
    form = CarryOverForm(request.POST or None, rounds=rounds)
    if request.method == "POST" and eligible and form.is_valid():
        try:
            services.proposal_carry_over(proposal=proposal, to_round=form.cleaned_data["to_round"],
                                         actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Usulan dilanjutkan ke %(round)s.") % {"round": proposal.round.name})
            return redirect(proposal.get_absolute_url() + "#jejak")
    status = 400 if request.method == "POST" else 200
    return render(request, "musrenbang/carry_form.html",
                  {"proposal": proposal, "form": form, "eligible": eligible, "has_rounds": rounds.exists()},
                  status=status)


# --- forums -------------------------------------------------------------------------------------

def forum_list(request, slug: str):
    round_ = _round(request, slug)
    forums = selectors.forums_of_round(round=round_)
    desk = selectors.forum_desk(user=request.user, round=round_, forums=forums) if request.user.is_authenticated else []
    return render(request, "musrenbang/forum_list.html", {"round": round_, "forums": forums, "desk": desk})


def _new_forum(request, slug: str, level: str, code: str, **kwargs) -> Forum:
    round_ = _round(request, slug)
    forum = Forum(round=round_, level=level)
    if level == AreaLevel.KELURAHAN:
        forum.kelurahan = _wilayah_or_404(Kelurahan, code)
    elif level == AreaLevel.KECAMATAN:
        forum.kecamatan = _wilayah_or_404(Kecamatan, code)
    elif level != AreaLevel.KOTA:
        raise Http404
    request.forum = forum
    return forum


def _forum(request, pk: int, **kwargs) -> Forum:
    if getattr(request, "forum", None) is None or request.forum.pk != pk:
        request.forum = get_object_or_404(Forum.objects.select_related("round", "kelurahan", "kecamatan"), pk=pk)
    return request.forum


def _forum_form_page(request, forum: Forum):
    candidates = services.forum_candidates(forum=forum)
    ranks = dict(forum.priorities.values_list("proposal_id", "rank")) if forum.pk else {}
    initial = {name: getattr(forum, name) for name in ["held_at", "place", "officers", "attendance_men",
                                                       "attendance_women", "delegates", "notes"]} if forum.pk else {}
    form = ForumForm(request.POST or None, candidates=candidates, ranks=ranks, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.forum_save(forum=forum, actor=request.user, priorities=form.cleaned_data["priorities"],
                                **form.forum_fields())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Forum tersimpan."))
            return redirect("musrenbang:forum", forum.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "musrenbang/forum_form.html", {"forum": forum, "form": form}, status=status)


@object_permission_required("musrenbang.record_forum", fn=_new_forum)
def forum_create(request, slug: str, level: str, code: str):
    forum = request.forum
    existing = Forum.objects.filter(round=forum.round, level=forum.level, kelurahan=forum.kelurahan,
                                    kecamatan=forum.kecamatan).first()
    if existing is not None:
        return redirect("musrenbang:forum_edit", existing.pk)
    return _forum_form_page(request, forum)


@object_permission_required("musrenbang.record_forum", fn=_forum)
def forum_edit(request, pk: int):
    return _forum_form_page(request, request.forum)


def forum_detail(request, pk: int):
    forum = _forum(request, pk)
    return render(request, "musrenbang/forum_detail.html",
                  {**selectors.forum_detail(forum=forum), "paper": selectors.forum_paper(forum=forum, user=request.user)})


def berita_acara(request, pk: int):
    forum = _forum(request, pk)
    return render(request, "musrenbang/berita_acara.html", selectors.forum_detail(forum=forum))


# --- nasib usulan -----------------------------------------------------------------------------------

def index(request):
    """Where Musrenbang starts, from the menu: the forums of each round and the nasib usulan of
    every kecamatan and kelurahan, the visitor's own kelurahan first."""
    return render(request, "musrenbang/index.html", selectors.musrenbang_index(user=request.user))


def nasib_kelurahan(request, code: str):
    kelurahan = _wilayah_or_404(Kelurahan.objects.select_related("kecamatan"), code)
    return render(request, "musrenbang/nasib.html", {
        "place": _("Kelurahan %(name)s") % {"name": kelurahan.name}, "kelurahan": kelurahan,
        "kecamatan": kelurahan.kecamatan, **selectors.nasib_usulan(kelurahan=kelurahan)})


def nasib_kecamatan(request, code: str):
    kecamatan = _wilayah_or_404(Kecamatan, code)
    return render(request, "musrenbang/nasib.html", {
        "place": _("Kecamatan %(name)s") % {"name": kecamatan.name}, "kecamatan": kecamatan,
        "kelurahan_list": kecamatan.kelurahan_set.order_by("name"), **selectors.nasib_usulan(kecamatan=kecamatan)})
