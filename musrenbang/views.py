"""Thin views: each names its permission and object, calls a form and a service or a selector."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from proposals.models import Proposal
from proposals.views import object_permission_required
from rounds.models import Round

from . import selectors, services
from .exports import LEVELS, sipd_csv
from .forms import CarryOverForm, JourneyStepForm
from .models import JourneyStep, Stage
from .rules import step_perm


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


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


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
            _form_errors(form, error)
        else:
            messages.success(request, _("Rekomendasi tercatat pada jejak usulan."))
            return redirect(proposal.get_absolute_url() + "#jejak")
    status = 400 if request.method == "POST" else 200
    return render(request, "musrenbang/step_form.html",
                  {"proposal": proposal, "form": form, "stage_label": Stage(stage).label}, status=status)


def _proposal(request, pk: int, **kwargs) -> Proposal:
    if getattr(request, "proposal", None) is None or request.proposal.pk != pk:
        request.proposal = get_object_or_404(Proposal.objects.select_related("round", "area", "category"), pk=pk)
    return request.proposal


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
            _form_errors(form, error)
        else:
            messages.success(request, _("Usulan dilanjutkan ke %(round)s.") % {"round": proposal.round.name})
            return redirect(proposal.get_absolute_url() + "#jejak")
    status = 400 if request.method == "POST" else 200
    return render(request, "musrenbang/carry_form.html",
                  {"proposal": proposal, "form": form, "eligible": eligible, "has_rounds": rounds.exists()},
                  status=status)
