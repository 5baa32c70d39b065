"""Times as people in Balikpapan read them: local time (Asia/Makassar) with "WITA" beside it.

One filter for every page, print-out and e-mail template: `{{ moment|wita }}` or
`{{ moment|wita:"j M Y H:i" }}`.
"""

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone

register = template.Library()


@register.filter
def wita(value, fmt: str = "j F Y, H:i"):
    if not value:
        return ""
    with timezone.override("Asia/Makassar"):
        return f"{date_filter(value, fmt)} WITA"
