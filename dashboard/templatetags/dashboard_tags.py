from django import template

from voting.tally.money import format_count

register = template.Library()


@register.filter(name="count")
def count(value) -> str:
    """`12345` -> `12.345`; anything that is not a number is shown as it is (e.g. "<10")."""
    try:
        return format_count(int(value))
    except (TypeError, ValueError):
        return str(value)


@register.filter(name="pct")
def pct(value) -> str:
    """`42.345` -> `42,3%`, the Indonesian way."""
    try:
        return f"{float(value):.1f}%".replace(".", ",")
    except (TypeError, ValueError):
        return ""


@register.filter(name="cell")
def cell(table, key):
    """`{{ table|cell:row_key }}` is a helper for templates: the row of a suppressed Table as a list of Cells."""
    return [table.cell(key, column) for column in table.columns]
