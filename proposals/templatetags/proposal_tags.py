import json

from django import template
from django.conf import settings
from django.utils.html import format_html

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
