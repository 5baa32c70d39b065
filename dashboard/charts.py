"""Numbers for the server-rendered SVG charts (no JavaScript needed to read a result)."""

from __future__ import annotations

import math

BAR_WIDTH = 400  # viewBox units
BAR_ROW = 46
BAR_AREA = 300


def _short(text: str, limit: int = 54) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bar_chart(lines, *, unit: str) -> dict:
    """One bar per project: its label above, the bar scaled to the top score, the value after it."""
    rows = []
    for index, line in enumerate(lines):
        y = index * BAR_ROW
        width = max(round(BAR_AREA * line.bar / 100, 1), 1 if line.votes else 0)
        rows.append({
            "label": _short(f"{line.rank}. {line.title}"), "y_label": y + 14, "y_bar": y + 20, "width": width,
            "x_value": width + 6, "y_value": y + 33, "value": f"{line.votes:,}".replace(",", "."),
            "selected": line.selected,
        })
    return {"rows": rows, "height": max(len(rows) * BAR_ROW, BAR_ROW), "width": BAR_WIDTH, "unit": unit}


def gauge(percent: float) -> dict:
    """A half-circle gauge of the budget used: the arc's end point for `percent` (0..100)."""
    share = min(max(percent, 0.0), 100.0) / 100.0
    angle = math.pi * share
    x = 60 - 50 * math.cos(angle)
    y = 60 - 50 * math.sin(angle)
    return {"x": round(x, 2), "y": round(y, 2), "percent": round(percent, 1), "empty": share == 0}
