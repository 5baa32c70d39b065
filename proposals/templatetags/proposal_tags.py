import json

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from proposals import geo

register = template.Library()


@register.simple_tag
def map_config() -> str:
    """The map's settings as data attributes: tile server (blank: no tiles), attribution, city box."""
    config = {
        "tiles": settings.MAP_TILE_URL or "",
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "center": list(geo.CENTER),
        "bounds": [[geo.LAT_MIN, geo.LNG_MIN], [geo.LAT_MAX, geo.LNG_MAX]],
    }
    return format_html('data-map="{}"', json.dumps(config))


STATUS_CLASSES = {
    "draft": "text-bg-light border", "submitted": "text-bg-info", "needs_changes": "text-bg-warning",
    "approved": "text-bg-primary", "rejected": "text-bg-danger", "merged": "text-bg-secondary",
    "hidden": "text-bg-dark", "feasible": "text-bg-success", "infeasible": "text-bg-danger",
    "selected": "text-bg-success", "not_selected": "text-bg-secondary", "in_progress": "text-bg-primary",
    "completed": "text-bg-success",
}


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "text-bg-secondary")


# After a round's results are published every proposal says how it ended, in words a resident
# reads without knowing the workflow ("Layak" or "Disetujui LPM" would no longer be the truth).
FINAL_STATES = {
    "selected": _("Didanai"),
    "in_progress": _("Didanai · dalam pengerjaan"),
    "completed": _("Didanai · selesai"),
    "not_selected": _("Tidak didanai"),
    "feasible": _("Di surat suara: hasil wilayahnya belum diumumkan"),
    "withdrawn": _("Ditarik dari surat suara"),
    "submitted": _("Tidak masuk surat suara: belum diperiksa LPM"),
    "needs_changes": _("Tidak masuk surat suara: perbaikan dari pengusul belum selesai"),
    "approved": _("Tidak masuk surat suara: belum dinilai oleh verifikator"),
    "rejected": _("Tidak masuk surat suara: ditolak LPM"),
    "merged": _("Tidak masuk surat suara: digabung dengan usulan lain"),
    "infeasible": _("Tidak masuk surat suara: tidak layak menurut verifikator"),
}


def results_out(round_) -> bool:
    return bool(round_.results_published_at) or round_.phase == "implementation"


@register.simple_tag
def proposal_state(proposal) -> dict:
    """{"status": ..., "label": ...} for the badge: the final state once results are out, else the status."""
    if results_out(proposal.round) and proposal.status in FINAL_STATES:
        funded = proposal.status in ("selected", "in_progress", "completed")
        return {"status": proposal.status if funded else "not_selected", "label": FINAL_STATES[proposal.status]}
    return {"status": proposal.status, "label": proposal.get_status_display()}
