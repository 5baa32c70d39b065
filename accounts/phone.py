"""Indonesian mobile numbers. Pure code."""

import re

_MOBILE = re.compile(r"^(?:\+?62|0)(8\d{7,11})$")


def normalise_mobile(raw: str) -> str | None:
    """'0812-3456-7890' -> '+6281234567890'; None when it is not an Indonesian mobile number."""
    digits = re.sub(r"[\s\-().]", "", raw or "")
    match = _MOBILE.match(digits)
    return f"+62{match.group(1)}" if match else None
