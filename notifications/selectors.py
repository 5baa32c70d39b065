from django.db.models import QuerySet

from accounts.models import User

from .kinds import Channel, Kind
from .models import Notification, OptOut
from .tokens import BadToken, unsubscribe_token_read

UNREAD_COUNT_CAP = 100  # the badge shows "99+"; counting further costs a scan for nothing


def inbox_for(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, in_inbox=True).order_by("-created_at", "-id")


def inbox_unread_count(*, user: User) -> int:
    """Unread inbox entries, capped at UNREAD_COUNT_CAP: one indexed query."""
    return (
        Notification.objects.filter(recipient=user, in_inbox=True, read_at__isnull=True)[:UNREAD_COUNT_CAP].count()
    )


def opted_out(*, user: User, kind: str | None = None) -> set[tuple[str, str]]:
    """(kind, channel) pairs the person switched off."""
    rows = OptOut.objects.filter(user=user)
    if kind is not None:
        rows = rows.filter(kind=kind)
    return set(rows.values_list("kind", "channel"))


def preferences_for(*, user: User) -> dict[tuple[str, str], bool]:
    off = opted_out(user=user)
    return {(kind, channel): (kind, channel) not in off for kind in Kind.values for channel in Channel.values}


def can_receive_email(user: User) -> bool:
    # Only to an address the person has proven to be theirs.
    return bool(user.is_active and user.email and user.email_verified_at)


def unsubscribe_target(*, token: str) -> tuple[User, str]:
    """Whose email and which kind an unsubscribe link is about. Raises BadToken."""
    user_id, kind = unsubscribe_token_read(token)
    user = User.objects.filter(pk=user_id).first()
    if user is None or kind not in Kind.values:
        raise BadToken
    return user, kind
