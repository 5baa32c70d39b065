"""Keyed hashing of NIKs: unique and matchable, but not reversible without the server's key."""

import datetime as dt
import hashlib
import hmac

from django.conf import settings

from .nik import NikInfo, adult_on, clean_nik


def keyed_hash(message: str) -> str:
    """HMAC-SHA256 under the server's NIK key: matchable, not reversible without the key."""
    return hmac.new(settings.NIK_HASH_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()


def nik_hash(nik: str) -> str:
    return keyed_hash(clean_nik(nik))


def nik_stored_fields(info: NikInfo, *, today: dt.date) -> dict:
    """What an account keeps of a NIK: its keyed hash, the gender and birth year (turnout
    statistics, eligibility), and for a minor the day they turn 17. Never the full birth date
    of an adult, never any digit of the serial."""
    turns_adult = adult_on(info.birth_date)
    return {
        "nik_hash": nik_hash(info.nik),
        "gender": info.gender,
        "birth_year": info.birth_date.year,
        "adult_on": turns_adult if turns_adult > today else None,
    }
