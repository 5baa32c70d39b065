"""Thin views: each names its permission and object, calls a form and a service or a selector."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from proposals.views import object_permission_required
from rounds.models import Round

from .exports import LEVELS, sipd_csv


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
