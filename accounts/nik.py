"""Parsing of the NIK (Nomor Induk Kependudukan). Pure code: no Django here.

Digits 1-6 are the region of first registration (Balikpapan is 64 71 xx), 7-12 the birth
date as DDMMYY with 40 added to the day for women, 13-16 a serial from 0001.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# Province codes of Indonesia (BPS / Kemendagri), the first two digits of every NIK.
PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53,
     61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96, 97}
)
VOTING_AGE = 17


class NikError(ValueError):
    """A NIK that cannot be right. `code` names the rule it breaks, for a message per rule."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class NikInfo:
    nik: str
    region: str
    birth_date: dt.date
    gender: str  # "L" (laki-laki) or "P" (perempuan)
    serial: int

    def age_on(self, day: dt.date) -> int:
        return age_on(self.birth_date, day)


def adult_on(birth_date: dt.date) -> dt.date:
    """The day a person born on `birth_date` turns VOTING_AGE (29 February: 1 March)."""
    try:
        return birth_date.replace(year=birth_date.year + VOTING_AGE)
    except ValueError:
        return dt.date(birth_date.year + VOTING_AGE, 3, 1)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def clean_nik(raw: str) -> str:
    """Drop the spaces, dots and dashes people type between groups of digits."""
    return "".join(ch for ch in str(raw) if ch not in " .-\u00a0\t")


def parse_nik(raw: str, *, today: dt.date | None = None) -> NikInfo:
    today = today or dt.date.today()
    nik = clean_nik(raw)
    if not nik:
        raise NikError("empty")
    if not nik.isascii() or not nik.isdigit():
        raise NikError("not_digits")
    if len(nik) != 16:
        raise NikError("length")
    if int(nik[0:2]) not in PROVINCE_CODES:
        raise NikError("province")
    if nik[2:4] == "00" or nik[4:6] == "00":
        raise NikError("region")
    day, month, year2 = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    gender = "L"
    if day > 40:
        day -= 40
        gender = "P"
    if not 1 <= month <= 12:
        raise NikError("month")
    try:
        birth = dt.date(2000 + year2, month, day)
        # Two-digit years: a date that would lie in the future belongs to the last century.
        if birth > today:
            birth = dt.date(1900 + year2, month, day)
    except ValueError:
        raise NikError("date") from None
    serial = int(nik[12:16])
    if serial == 0:
        raise NikError("serial")
    return NikInfo(nik=nik, region=nik[0:6], birth_date=birth, gender=gender, serial=serial)
