"""Rupiah formatting the way Indonesians write it: Rp1.250.000.000 (dots group thousands)."""

from __future__ import annotations

from fractions import Fraction


def format_rupiah(amount: int | Fraction) -> str:
    """Whole rupiah, dot as thousands separator; fractions are rounded half up to the rupiah."""
    if isinstance(amount, Fraction):
        amount = int((amount + Fraction(1, 2)) // 1)
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(int(amount)):,}".replace(",", ".")


def format_count(count: int) -> str:
    """A count of votes or points, grouped like money: 12.345."""
    return f"{count:,}".replace(",", ".")
