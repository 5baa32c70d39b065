"""Results, the council dashboard, open data and implementation tracking. Thin views."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView, View
from rules.contrib.views import PermissionRequiredMixin

from proposals.models import Proposal
from proposals.progress import progress_post
from voting import services as voting_services

from . import charts, exports, selectors
from . import services as dashboard_services
from .forms import ProgressForm, ReceiptForm


def _map_settings() -> dict:
    return {"tiles": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION}


# --- public results -----------------------------------------------------------------------------


class RoundResultsView(TemplateView):
    template_name = "dashboard/round_results.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.round_results(slug=kwargs["slug"]))
        used = context["budget_used"]
        context["gauge"] = charts.gauge(100.0 * used / context["budget"] if context["budget"] else 0.0)
        return context


class AreaResultsView(TemplateView):
    template_name = "dashboard/area_results.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        result = selectors.area_result(slug=kwargs["slug"], code=kwargs["area_code"])
        context.update({
            "result": result, "chart": charts.bar_chart(result.lines, unit=result.unit),
            "gauge": charts.gauge(result.budget_percent), "map_points": result.map_points, "map": _map_settings(),
        })
        return context


class AreaPrintView(AreaResultsView):
    template_name = "dashboard/area_print.html"


# --- open data --------------------------------------------------------------------------------


def _download(content: str, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content.encode("utf-8"), content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _safe(code: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in code)


# A published area's downloads are its frozen files: the same bytes for everyone, every time, so
# they are served with an ETag (a repeat visit gets 304 Not Modified) and may be cached.
FROZEN_CACHE_SECONDS = 3600


def _frozen_download(request, load, *, etag: str, filename: str, content_type: str) -> HttpResponse:
    """304 when the client holds this version already (`load` is then never called), else the file."""
    quoted = f'"{etag}"'
    response = get_conditional_response(request, etag=quoted)
    if response is None:
        response = _download(load(), filename=filename, content_type=content_type)
    response["ETag"] = quoted
    patch_cache_control(response, public=True, max_age=FROZEN_CACHE_SECONDS)
    return response


def _frozen(slug: str, area_code: str):
    """The published snapshot of the area and what it was frozen with (frozen now if it was published
    before results were frozen with their ballots)."""
    round_ = selectors.round_get_public(slug=slug)
    snapshot = selectors.published_snapshot(round=round_, area=selectors.area_get(round=round_, code=area_code))
    frozen = selectors.frozen_of(snapshot)  # its files deferred: a 304 never reads them
    if frozen is not None:
        return snapshot, frozen
    try:
        return snapshot, voting_services.snapshot_freeze(snapshot=snapshot)
    except ValidationError:
        raise Http404(_("Berkas hasil wilayah ini tidak tersedia: surat suara tidak lagi cocok dengan hasil "
                        "yang diumumkan.")) from None


class AreaPabulibView(View):
    """The exact anonymised ballot file the published result was computed from."""

    def get(self, request, slug: str, area_code: str):
        _snapshot, frozen = _frozen(slug, area_code)
        return _frozen_download(request, lambda: frozen.ballots_pb, etag=frozen.ballots_sha256,
                                filename=f"{slug}-{_safe(area_code)}.pb", content_type="text/plain")


class _FrozenResultsView(View):
    kind = ""
    content_type = ""

    def build(self, slug: str, area_code: str) -> str:
        raise NotImplementedError

    def get(self, request, slug: str, area_code: str):
        _snapshot, frozen = _frozen(slug, area_code)
        content = dashboard_services.frozen_download(
            frozen=frozen, kind=self.kind, build=lambda: self.build(slug, area_code))
        return _frozen_download(request, lambda: content, etag=hashlib.sha256(content.encode("utf-8")).hexdigest(),
                                filename=f"hasil-{slug}-{_safe(area_code)}.{self.kind}", content_type=self.content_type)


class AreaResultsCsvView(_FrozenResultsView):
    kind, content_type = "csv", "text/csv"

    def build(self, slug: str, area_code: str) -> str:
        return exports.results_csv([selectors.area_result(slug=slug, code=area_code)])


class AreaResultsJsonView(_FrozenResultsView):
    kind, content_type = "json", "application/json"

    def build(self, slug: str, area_code: str) -> str:
        return exports.results_json([selectors.area_result(slug=slug, code=area_code)], round_slug=slug)


class RoundResultsCsvView(View):
    def get(self, request, slug: str):
        _round, results = selectors.round_area_results(slug=slug)
        if not results:
            raise Http404(_("Hasil putaran ini belum diumumkan."))
        return _download(exports.results_csv(results), filename=f"hasil-{slug}.csv", content_type="text/csv")


class RoundResultsJsonView(View):
    def get(self, request, slug: str):
        _round, results = selectors.round_area_results(slug=slug)
        if not results:
            raise Http404(_("Hasil putaran ini belum diumumkan."))
        return _download(exports.results_json(results, round_slug=slug), filename=f"hasil-{slug}.json",
                         content_type="application/json")


class OpenDataView(TemplateView):
    template_name = "dashboard/open_data.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({
            "rounds": selectors.open_data_rounds(), "result_columns": exports.RESULT_COLUMNS,
            "pb_project_columns": exports.PB_PROJECT_COLUMNS, "pb_vote_columns": exports.PB_VOTE_COLUMNS,
            "turnout_columns": exports.TURNOUT_COLUMNS,
        })
        return context


class ReceiptCheckView(TemplateView):
    """GET only: checking a receipt changes nothing, and the code never goes in a log line."""

    template_name = "dashboard/receipt_check.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ReceiptForm(self.request.GET or None)
        found = None
        checked = False
        if form.is_bound and form.is_valid():
            checked = True
            found = selectors.receipt_lookup(code=form.cleaned_data["kode"])
        context.update({"form": form, "found": found, "checked": checked})
        return context


# --- the council dashboard --------------------------------------------------------------------


class CouncilMixin(PermissionRequiredMixin):
    permission_required = "dashboard.view_council_dashboard"

    @cached_property
    def filters(self) -> dict:
        rounds = selectors.council_rounds()
        kecamatans = selectors.kecamatan_list()
        categories = selectors.category_list()
        wanted = self.request.GET.get("putaran", "")
        round_ = next((r for r in rounds if r.slug == wanted), None) if wanted else selectors.council_default_round(rounds)
        if wanted and round_ is None:
            raise Http404(_("Putaran anggaran tidak ditemukan."))
        kecamatan_code = self.request.GET.get("kecamatan", "")
        kecamatan = next((k for k in kecamatans if k.pk == kecamatan_code), None)
        if kecamatan_code and kecamatan is None:
            raise Http404(_("Kecamatan tidak ditemukan."))
        category_slug = self.request.GET.get("kategori", "")
        category = next((c for c in categories if c.pk == category_slug), None)
        if category_slug and category is None:
            raise Http404(_("Kategori tidak ditemukan."))
        return {"rounds": rounds, "kecamatans": kecamatans, "categories": categories, "round": round_,
                "kecamatan": kecamatan, "category": category}


class CouncilDashboardView(CouncilMixin, TemplateView):
    template_name = "dashboard/council.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = self.filters
        context.update(filters)
        context["map"] = _map_settings()
        if filters["round"] is not None:
            data = selectors.council_dashboard(
                round=filters["round"], kecamatan=filters["kecamatan"], category=filters["category"],
                kecamatans=filters["kecamatans"], rounds=filters["rounds"],
            )
            context["data"] = data
            context["gauge"] = charts.gauge(data["used_percent"])
            context["turnout"] = turnout_display(data["turnout"], filters["kecamatans"], filters["kecamatan"])
            context["priorities"] = data["priorities"][:PRIORITIES_SHOWN]
        return context


class CouncilMapPointsView(CouncilMixin, View):
    def get(self, request, *args, **kwargs):
        filters = self.filters
        points = [] if filters["round"] is None else selectors.council_map_points(
            round=filters["round"], kecamatan=filters["kecamatan"], category=filters["category"])
        return JsonResponse(points, safe=False)


PRIORITIES_SHOWN = 30


def turnout_display(tables: dict, kecamatans: list, only=None) -> list[dict]:
    """The suppressed tables as rows for the template; a kecamatan filter shows just its row."""
    names = {k.pk: k.name for k in kecamatans}
    titles = {
        "gender": (_("Pemilih menurut jenis kelamin"), selectors.GENDER_COLUMNS),
        "age": (_("Pemilih menurut kelompok umur"), selectors.AGE_COLUMNS),
        "channel": (_("Surat suara menurut saluran"), selectors.CHANNEL_COLUMNS),
    }
    shown = []
    for key, table in tables.items():
        title, all_columns = titles[key]
        columns = [(value, label) for value, label in all_columns if value in table.columns]
        rows = []
        for row in table.rows:
            if only is not None and row != only.pk:
                continue
            rows.append({"label": names.get(row, _("Tidak diketahui")),
                         "cells": [(label, table.cell(row, value)) for value, label in columns],
                         "total": table.row_totals[row]})
        shown.append({
            "key": key, "title": title, "columns": [label for _value, label in columns], "rows": rows,
            "totals": [(label, table.column_totals[value]) for value, label in columns], "total": table.total,
        })
    return shown


class CouncilTurnoutCsvView(CouncilMixin, View):
    def get(self, request):
        round_ = self.filters["round"]
        if round_ is None:
            raise Http404(_("Belum ada putaran anggaran."))
        tables = selectors.turnout_tables(round=round_, kecamatan_rows=self.filters["kecamatans"])
        names = {k.pk: k.name for k in self.filters["kecamatans"]}
        return _download(exports.turnout_csv(tables, names), filename=f"partisipasi-{round_.slug}.csv",
                         content_type="text/csv")


# --- implementation tracking ----------------------------------------------------------------


class ProjectProgressView(TemplateView):
    template_name = "dashboard/project.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        proposal = selectors.project_progress(pk=kwargs["pk"])
        updates = list(proposal.progress_updates.all())
        context.update({
            "proposal": proposal, "updates": updates, "latest": updates[0] if updates else None,
            "can_post": self.request.user.has_perm("dashboard.post_progress", proposal),
        })
        return context


class RoundProjectsView(TemplateView):
    template_name = "dashboard/round_projects.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        round_ = selectors.round_get_public(slug=kwargs["slug"])
        page = Paginator(selectors.funded_projects(round=round_), PROJECTS_PER_PAGE).get_page(
            self.request.GET.get("halaman"))
        context.update({"round": round_, "page": page, "projects": page.object_list})
        return context


# A page of the implementation list stays far below the 100 KB budget however many projects a round funds.
PROJECTS_PER_PAGE = 40


class ProgressPostView(PermissionRequiredMixin, FormView):
    permission_required = "dashboard.post_progress"
    template_name = "dashboard/progress_form.html"
    form_class = ProgressForm

    def get_permission_object(self) -> Proposal:
        return self.proposal

    @cached_property
    def proposal(self) -> Proposal:
        return get_object_or_404(Proposal.objects.select_related("round", "area", "category"), pk=self.kwargs["pk"])

    def get_initial(self):
        latest = self.proposal.progress_updates.order_by("-created_at", "-pk").first()
        if latest is None:
            return {"status": "in_progress", "percent": 0}
        return {"status": latest.status, "percent": latest.percent, "spent": f"{latest.spent:,}".replace(",", ".")}

    def get_context_data(self, **kwargs):
        return super().get_context_data(proposal=self.proposal, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            progress_post(author=self.request.user, proposal=self.proposal, status=data["status"],
                          percent=data["percent"], spent=data["spent"], note=data["note"], photo=data.get("photo"))
        except PermissionDenied:
            raise
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error("photo" if data.get("photo") else None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Laporan kemajuan disimpan. Pengikut proyek akan diberi tahu."))
        return redirect("dashboard:project", pk=self.proposal.pk)

