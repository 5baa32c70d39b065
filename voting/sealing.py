"""Sealing of pending ballots: AES-256-GCM (the `cryptography` package) under a key derived from
BALLOT_KEY, which is not in the database. A sealed ballot can be read only by the server; the
associated data binds it to its round, area and lookup key, so a sealed blob copied onto another
row does not open."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

NONCE_BYTES = 12


class SealError(ValueError):
    """A sealed ballot that does not open: another BALLOT_KEY, or a blob moved to another row."""


def _aead() -> AESGCM:
    return _aead_of(settings.BALLOT_KEY)


@functools.lru_cache(maxsize=4)
def _aead_of(ballot_key: str) -> AESGCM:
    """Derived once per process (and per BALLOT_KEY, which tests may change)."""
    return AESGCM(hmac.new(ballot_key.encode(), b"suarawarga:pending-ballot-seal", hashlib.sha256).digest())


def seal(payload: dict, *, context: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + _aead().encrypt(nonce, json.dumps(payload, sort_keys=True).encode(), context.encode())


def unseal(blob: bytes | memoryview, *, context: str) -> dict:
    blob = bytes(blob)
    try:
        return json.loads(_aead().decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode()))
    except InvalidTag:
        raise SealError("sealed ballot does not open") from None
