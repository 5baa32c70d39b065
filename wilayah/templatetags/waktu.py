"""Times as people in Balikpapan read them: local time (Asia/Makassar) with "WITA" beside it.

One filter for every page, print-out and e-mail template: `{{ moment|wita }}` or
`{{ moment|wita:"j M Y H:i" }}`.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone

register = template.Library()

WITA = ZoneInfo("Asia/Makassar")


@register.filter
def wita(value, fmt: str = "j F Y, H:i"):
    if not value:
        return ""
    # The database hands back UTC: convert here, as the `date` filter is called as a plain function
    # (only the template engine converts for it) and the active zone may not be Balikpapan's.
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value, WITA)
    return f"{date_filter(value, fmt)} WITA"
