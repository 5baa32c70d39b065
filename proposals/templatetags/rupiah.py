from django import template

from proposals.money import format_rupiah

register = template.Library()


@register.filter(name="rupiah")
def rupiah(value) -> str:
    """`{{ value|rupiah }}` -> `Rp1.250.000.000`."""
    try:
        return format_rupiah(value)
    except (TypeError, ValueError):
        return ""
