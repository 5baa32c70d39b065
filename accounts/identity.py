"""Keyed hashing of NIKs: unique and matchable, but not reversible without the server's key."""

import hashlib
import hmac

from django.conf import settings

from .nik import clean_nik


def keyed_hash(message: str) -> str:
    """HMAC-SHA256 under the server's NIK key: matchable, not reversible without the key."""
    return hmac.new(settings.NIK_HASH_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()


def nik_hash(nik: str) -> str:
    return keyed_hash(clean_nik(nik))
