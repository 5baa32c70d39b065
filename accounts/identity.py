"""Keyed hashing of NIKs: unique and matchable, but not reversible without the server's key."""

import hashlib
import hmac

from django.conf import settings

from .nik import clean_nik


def nik_hash(nik: str) -> str:
    return hmac.new(settings.NIK_HASH_KEY.encode(), clean_nik(nik).encode(), hashlib.sha256).hexdigest()
