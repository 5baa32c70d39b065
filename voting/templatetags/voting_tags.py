from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def rupiah(amount) -> str:
    try:
        return f"Rp{int(amount):,}".replace(",", ".")
    except (TypeError, ValueError):
        return ""


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def reason(project: dict) -> str:
    """A project's reason in the reader's language."""
    return project.get("reason_en" if get_language() == "en" else "reason_id", "")
