"""Rupiah: parsing what people type and writing amounts the Indonesian way. Pure code."""

import re

_PREFIX = re.compile(r"^\s*(rp\.?|idr)\s*", re.IGNORECASE)
_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+$")
_PLAIN = re.compile(r"^\d+$")
MAX_RUPIAH = 10**15  # a thousand trillion: far beyond any city budget, within a BigIntegerField


def parse_rupiah(text: str) -> int:
    """`1.250.000`, `1250000`, `Rp 1.250.000`, `Rp1.250.000,-` or `Rp 1.250.000,00` -> 1250000.

    Dots group thousands (the Indonesian way); a comma starts the (zero) sen. Raises ValueError
    on anything else, including negative amounts and sen that are not zero.
    """
    if text is None:
        raise ValueError("empty")
    value = _PREFIX.sub("", str(text).strip()).replace(" ", "").replace("\u00a0", "")
    if value.endswith(",-"):
        value = value[:-2]
    elif "," in value:
        value, _, sen = value.partition(",")
        if not _PLAIN.match(sen) or int(sen) != 0:
            raise ValueError("sen")
    if _PLAIN.match(value):
        amount = int(value)
    elif _GROUPED.match(value):
        amount = int(value.replace(".", ""))
    else:
        raise ValueError("format")
    if amount >= MAX_RUPIAH:
        raise ValueError("too large")
    return amount


def format_rupiah(amount: int | None) -> str:
    """1250000000 -> `Rp1.250.000.000` (empty for None)."""
    if amount is None or amount == "":
        return ""
    amount = int(amount)
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(amount):,}".replace(",", ".")


def indicative_cost(volume, unit_price: int) -> int:
    """Volume (koefisien, up to 2 decimals) x standard unit price, in whole rupiah, half up.

    Decimal, not float: 12.35 m x Rp1.250.000 must be exactly Rp15.437.500."""
    from decimal import ROUND_HALF_UP, Decimal

    return int((Decimal(str(volume)) * int(unit_price)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


DEVIATION_LIMIT_PERCENT = 25


def deviation_percent(amount: int, standard: int) -> int | None:
    """How far `amount` lies from `standard`, in whole percent of the standard (None without one)."""
    if not standard:
        return None
    return round(abs(int(amount) - int(standard)) * 100 / int(standard))
