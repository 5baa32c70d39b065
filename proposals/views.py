"""Thin views: each names its permission and object, calls a form and a service or a selector."""

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from rounds.models import Category, Round
from rounds.phases import Feature
from rounds.selectors import rounds_for_home

from . import selectors, services
from .forms import (
    CommentForm,
    FlagForm,
    ModerationAction,
    ModerationForm,
    ProposalFilterForm,
    ProposalForm,
    ValuationForm,
)
from .models import Comment, Proposal, Status

PAGE_SIZE = 20


def object_permission_required(perm: str, fn):
    """rules' permission_required: anonymous visitors go to the login page, signed-in users get a 403."""

    def decorator(view):
        guarded = permission_required(perm, fn=fn, raise_exception=True)(view)
        to_login = permission_required(perm, fn=fn)(view)

        @wraps(view)
        def wrapped(request, *args, **kwargs):
            return (guarded if request.user.is_authenticated else to_login)(request, *args, **kwargs)

        return wrapped

    return decorator


def _proposal(request, pk: int, **kwargs) -> Proposal:
    """The proposal of the URL (404 if none), fetched once per request for the check and the view."""
    if getattr(request, "proposal", None) is None or request.proposal.pk != pk:
        request.proposal = get_object_or_404(
            Proposal.objects.select_related("round", "area", "category", "proposer"), pk=pk)
    return request.proposal


def _proposal_detail(request, pk: int, **kwargs) -> Proposal:
    try:
        request.proposal = selectors.proposal_detail(pk=pk, user=request.user)
    except Proposal.DoesNotExist as error:
        raise Http404 from error
    return request.proposal


def _round(request, slug: str, **kwargs) -> Round:
    request.round = get_object_or_404(Round, slug=slug)
    return request.round


def _comment(request, pk: int, **kwargs) -> Comment:
    request.comment = get_object_or_404(Comment.objects.select_related("proposal__round", "proposal__area"), pk=pk)
    return request.comment


# --- list and detail ----------------------------------------------------------------------------

def _filtered(request) -> dict:
    """The round, the filter form and the proposals they select: shared by the list and the map."""
    rounds = list(selectors.rounds_with_proposals())
    slug = request.GET.get("putaran")
    current = next((r for r in rounds if r.slug == slug), None)
    if current is None and rounds:
        active = rounds_for_home()
        current = active[0] if active else rounds[0]
    choices = selectors.list_filter_choices(round_=current)
    form = ProposalFilterForm(request.GET or None, areas=choices["areas"], categories=list(Category.objects.all()))
    filters = form.filters() if request.GET else {"sort": "terbaru"}
    queryset = selectors.proposal_list(round_=current, **filters) if current else Proposal.objects.none()
    query = request.GET.copy()
    query.pop("halaman", None)
    return {"rounds": rounds, "current_round": current, "form": form, "proposals": queryset,
            "query": query.urlencode()}


def proposal_list(request):
    context = _filtered(request)
    context["page"] = Paginator(context.pop("proposals"), PAGE_SIZE).get_page(request.GET.get("halaman"))
    return render(request, "proposals/list.html", context)


def proposal_map(request):
    """The same proposals as the list, on a map. The page carries no points: map.js fetches them
    from proposal_map_points with the same query, so the page stays small however many there are."""
    context = _filtered(request)
    proposals = context.pop("proposals")
    context["count"] = proposals.count()
    context["located"] = proposals.filter(latitude__isnull=False, longitude__isnull=False).count()
    return render(request, "proposals/map.html", context)


def proposal_map_points(request):
    proposals = _filtered(request)["proposals"].filter(latitude__isnull=False, longitude__isnull=False)
    return JsonResponse({"points": selectors.map_points(proposals)})


@object_permission_required("proposals.view_proposal", fn=_proposal_detail)
def proposal_detail(request, pk: int):
    proposal = request.proposal
    return render(request, "proposals/detail.html", {
        "proposal": proposal, "comment_form": CommentForm(), "flag_form": FlagForm(),
        "merged_from": [],
    })


@login_required
def my_proposals(request):
    return render(request, "proposals/mine.html", {"proposals": selectors.proposals_of_user(user=request.user)})


# --- submission ---------------------------------------------------------------------------------

def proposal_start(request):
    """"Ajukan usulan": the round open for proposals, or a list of rounds if none or several."""
    open_rounds = [r for r in rounds_for_home() if r.allows(Feature.SUBMIT)]
    if len(open_rounds) == 1:
        return redirect("proposals:create", open_rounds[0].slug)
    return render(request, "proposals/start.html", {"open_rounds": open_rounds})


def _save_action(request) -> bool:
    return request.POST.get("aksi") == "ajukan"


def _is_cost_preview(request, form) -> bool:
    """"Hitung biaya" without JavaScript: the server computes volume x unit price and shows the
    form again, unsaved, with only the kamus fields' errors."""
    if request.method != "POST" or request.POST.get("aksi") != "hitung":
        return False
    form.is_valid()
    for name in list(form.errors):
        if name not in {"kamus_item", "volume"}:
            del form.errors[name]
    return True


@object_permission_required("proposals.add_proposal", fn=_round)
def proposal_create(request, slug: str):
    round_ = request.round
    form = ProposalForm(request.POST or None, request.FILES or None, round_=round_, user=request.user)
    if _is_cost_preview(request, form):
        pass
    elif request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_create(round=round_, proposer=request.user, photos=form.cleaned_data["photos"],
                                                submit=_save_action(request), **form.service_fields())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Usulan Anda sudah diajukan ke LPM.") if _save_action(request)
                             else _("Draf usulan tersimpan. Ajukan bila sudah siap."))
            return redirect(proposal.get_absolute_url())
    return render(request, "proposals/form.html", {"form": form, "round": round_, "proposal": None})


@object_permission_required("proposals.change_proposal", fn=_proposal)
def proposal_edit(request, pk: int):
    proposal = request.proposal
    initial = {name: getattr(proposal, name) for name in ["title", "description", "address", "rt", "rw",
                                                          "latitude", "longitude", "estimated_cost"]}
    initial.update(area=proposal.area_id, category=proposal.category_id, kamus_item=proposal.kamus_item_id,
                   volume=proposal.volume)
    form = ProposalForm(request.POST or None, request.FILES or None, round_=proposal.round, user=request.user,
                        proposal=proposal, initial=initial)
    if _is_cost_preview(request, form):
        pass
    elif request.method == "POST" and form.is_valid():
        try:
            services.proposal_update(
                proposal=proposal, actor=request.user, photos=form.cleaned_data["photos"],
                remove_photo_ids=[p.pk for p in form.cleaned_data.get("remove_photos") or []],
                submit=_save_action(request), **form.service_fields())
        except ValidationError as error:
            _add_errors(form, error)
        except services.TransitionError:
            messages.error(request, _("Usulan ini tidak dapat diubah lagi."))
            return redirect(proposal.get_absolute_url())
        else:
            messages.success(request, _("Usulan Anda sudah diajukan ke LPM.") if _save_action(request)
                             else _("Perubahan tersimpan."))
            return redirect(proposal.get_absolute_url())
    return render(request, "proposals/form.html", {"form": form, "round": proposal.round, "proposal": proposal})


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_POST
@object_permission_required("proposals.change_proposal", fn=_proposal)
def proposal_submit(request, pk: int):
    try:
        services.proposal_submit(proposal=request.proposal, actor=request.user)
    except services.TransitionError:
        messages.error(request, _("Usulan ini sudah diajukan."))
    else:
        messages.success(request, _("Usulan Anda sudah diajukan ke LPM."))
    return redirect(request.proposal.get_absolute_url())


# --- residents ----------------------------------------------------------------------------------

@require_POST
@object_permission_required("proposals.support_proposal", fn=_proposal)
def support_toggle(request, pk: int):
    supported = services.support_toggle(proposal=request.proposal, user=request.user)
    messages.success(request, _("Terima kasih atas dukungan Anda.") if supported else _("Dukungan Anda dibatalkan."))
    return redirect(request.proposal.get_absolute_url())


@require_POST
@object_permission_required("proposals.follow_proposal", fn=_proposal)
def follow_toggle(request, pk: int):
    following = services.follow_toggle(proposal=request.proposal, user=request.user)
    messages.success(request, _("Anda akan mendapat kabar tentang usulan ini.") if following
                     else _("Anda berhenti mengikuti usulan ini."))
    return redirect(request.proposal.get_absolute_url())


@require_POST
@object_permission_required("proposals.comment_proposal", fn=_proposal)
def comment_create(request, pk: int):
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.comment_create(proposal=request.proposal, author=request.user, body=form.cleaned_data["body"])
        except ValidationError:
            messages.error(request, _("Komentar tidak boleh kosong."))
        else:
            return redirect(request.proposal.get_absolute_url() + f"#komentar-{comment.pk}")
    else:
        messages.error(request, _("Komentar tidak boleh kosong dan paling panjang 2.000 karakter."))
    return redirect(request.proposal.get_absolute_url() + "#komentar")


@require_POST
@object_permission_required("proposals.flag_proposal", fn=_proposal)
def proposal_flag(request, pk: int):
    form = FlagForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.flag_create(user=request.user, proposal=request.proposal, reason=reason)
    messages.info(request, _("Terima kasih. Laporan Anda akan diperiksa LPM."))
    return redirect(request.proposal.get_absolute_url())


def _comment_proposal(request, pk: int, **kwargs) -> Proposal:
    return _comment(request, pk).proposal


@require_POST
@object_permission_required("proposals.flag_proposal", fn=_comment_proposal)
def comment_flag(request, pk: int):
    form = FlagForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.flag_create(user=request.user, comment=request.comment, reason=reason)
    messages.info(request, _("Terima kasih. Laporan Anda akan diperiksa LPM."))
    return redirect(request.comment.proposal.get_absolute_url() + "#komentar")


@require_POST
@object_permission_required("proposals.hide_content", fn=_comment_proposal)
def comment_moderate(request, pk: int):
    hide = request.POST.get("aksi") != "tampilkan"
    services.comment_set_hidden(comment=request.comment, actor=request.user, hidden=hide)
    messages.success(request, _("Komentar disembunyikan.") if hide else _("Komentar ditampilkan kembali."))
    return redirect(request.comment.proposal.get_absolute_url() + "#komentar")


# --- moderation (LPM) ---------------------------------------------------------------------------

@object_permission_required("proposals.view_moderation_queue", fn=lambda request, **kw: None)
def moderation_queue(request):
    status = request.GET.get("status")
    queryset = selectors.moderation_queue(user=request.user, status=status)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("halaman"))
    return render(request, "proposals/moderation_queue.html", {
        "page": page, "status": status, "Status": Status, "query": urlencode({"status": status}) if status else ""})


def _may_act(user, proposal, action: str) -> bool:
    if action in {ModerationAction.HIDE, ModerationAction.RESTORE}:
        return user.has_perm("proposals.hide_content", proposal)
    return user.has_perm("proposals.moderate_proposal", proposal)


@object_permission_required("proposals.view_moderation_queue", fn=lambda request, **kw: None)
def proposal_moderate(request, pk: int):
    proposal = _proposal_detail(request, pk)
    if not (request.user.has_perm("proposals.moderate_proposal", proposal)
            or request.user.has_perm("proposals.hide_content", proposal)):
        raise PermissionDenied
    form = ModerationForm(request.POST or None, merge_queryset=selectors.merge_candidates(proposal=proposal))
    if request.method == "POST" and form.is_valid():
        action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
        if not _may_act(request.user, proposal, action):
            raise PermissionDenied
        try:
            _moderate(proposal, request.user, action, reason, form.cleaned_data.get("into"))
        except services.TransitionError as error:
            messages.error(request, _("Usulan ini sudah diproses moderator lain (status sekarang: %(status)s). "
                                      "Tidak ada yang diubah.") % {"status": error.proposal.get_status_display()})
        except ValidationError as error:
            _add_errors(form, error)
            return render(request, "proposals/moderate.html", {"proposal": proposal, "form": form}, status=400)
        else:
            messages.success(request, _("Status usulan sekarang: %(status)s.") % {"status": proposal.get_status_display()})
        return redirect("proposals:moderation")
    return render(request, "proposals/moderate.html", {"proposal": proposal, "form": form})


def _moderate(proposal, actor, action, reason, into):
    if action == ModerationAction.APPROVE:
        return services.proposal_approve(proposal=proposal, actor=actor, reason=reason)
    if action == ModerationAction.REJECT:
        return services.proposal_reject(proposal=proposal, actor=actor, reason=reason)
    if action == ModerationAction.CHANGES:
        return services.proposal_request_changes(proposal=proposal, actor=actor, message=reason)
    if action == ModerationAction.MERGE:
        return services.proposal_merge(proposal=proposal, into=into, actor=actor, reason=reason)
    if action == ModerationAction.HIDE:
        return services.proposal_hide(proposal=proposal, actor=actor, reason=reason)
    return services.proposal_restore(proposal=proposal, actor=actor, reason=reason)


# --- valuation (verifikator) --------------------------------------------------------------------

@object_permission_required("proposals.view_valuation_queue", fn=lambda request, **kw: None)
def valuation_queue(request):
    status = request.GET.get("status")
    queryset = selectors.valuation_queue(user=request.user, status=status)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("halaman"))
    return render(request, "proposals/valuation_queue.html", {
        "page": page, "status": status, "query": urlencode({"status": status}) if status else ""})


@object_permission_required("proposals.valuate_proposal", fn=_proposal_detail)
def proposal_valuate(request, pk: int):
    proposal = request.proposal
    initial = {"final_cost": proposal.final_cost or proposal.estimated_cost}
    form = ValuationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.proposal_valuate(proposal=proposal, actor=request.user, feasible=data["feasible"],
                                      final_cost=data.get("final_cost"), reason=data.get("reason", ""),
                                      over_pagu_confirmed=data.get("over_pagu_confirmed", False))
        except services.TransitionError:
            messages.error(request, _("Usulan ini tidak lagi menunggu penilaian."))
        except ValidationError as error:
            _add_errors(form, error)
            return render(request, "proposals/valuate.html", _valuation_context(proposal, form), status=400)
        else:
            messages.success(request, _("Penilaian tersimpan: %(status)s.") % {"status": proposal.get_status_display()})
        return redirect("proposals:valuation")
    return render(request, "proposals/valuate.html", _valuation_context(proposal, form))


def _valuation_context(proposal, form) -> dict:
    typed = form.cleaned_data.get("final_cost") if form.is_bound and hasattr(form, "cleaned_data") else None
    return {"proposal": proposal, "form": form,
            "cost_check": selectors.kamus_cost_check(proposal=proposal, final_cost=typed)}
