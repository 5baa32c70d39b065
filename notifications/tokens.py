"""Signed unsubscribe tokens: who and which kind, no login needed, no expiry (old emails keep working)."""

from django.core import signing

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


class BadToken(Exception):
    pass


def unsubscribe_token_make(*, user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_token_read(token: str) -> tuple[int, str]:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return int(data["u"]), str(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise BadToken from exc
