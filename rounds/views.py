from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from rules.contrib.views import permission_required

from . import selectors, services
from .models import Round


def round_list(request):
    return render(request, "rounds/list.html", {"rounds": selectors.rounds_for_home()})


def _round_or_404(slug: str) -> Round:
    try:
        return selectors.round_get_public(slug=slug)
    except Round.DoesNotExist as error:
        raise Http404 from error


@permission_required("rounds.view_round", fn=lambda request, slug: _round_or_404(slug), raise_exception=True)
def round_detail(request, slug: str):
    round_ = _round_or_404(slug)
    context = {
        "round": round_,
        "timeline": selectors.round_timeline(round_),
        "areas": selectors.round_areas_grouped(round_),
        "total_budget": selectors.round_total_budget(round_),
        "my_area": selectors.area_for_kelurahan(round_=round_, kelurahan_id=getattr(request.user, "kelurahan_id", None)),
    }
    return render(request, "rounds/detail.html", context)


@permission_required("rounds.advance_phase", raise_exception=True)
def round_advance(request, slug: str):
    """A phase move is confirmed first: the page says what will happen and who is told."""
    round_ = get_object_or_404(Round, slug=slug)
    if request.method != "POST":
        preview = selectors.phase_move_preview(round_)
        return render(request, "rounds/advance_confirm.html", {"round": round_, "preview": preview})
    try:
        services.round_advance_phase(round=round_, actor=request.user)
    except services.PhaseError:
        messages.error(request, _("Putaran sudah berada di tahap terakhir."))
    else:
        messages.success(request, _("Putaran dipindahkan ke tahap %(phase)s.") % {"phase": round_.get_phase_display()})
    return redirect(round_.get_absolute_url())
