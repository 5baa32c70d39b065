from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet

from accounts.models import User

from .kinds import Channel, Kind
from .models import Notification, OptOut
from .tokens import BadToken, unsubscribe_token_read

UNREAD_COUNT_CAP = 100  # the badge shows "99+"; counting further costs a scan for nothing
# The badge's count is kept in the shared cache; every service that adds an inbox entry or
# marks one read removes it (services._unread_forget), so the badge is right on the next page.
# The lifetime only bounds a write that went around the services.
UNREAD_COUNT_SECONDS = 300
# After a change, pages count afresh for settings.CACHE_CHANGE_GUARD_SECONDS.
RECOUNT = "recount"


def unread_count_key(user_id: int) -> str:
    return f"unread:{user_id}"


def inbox_for(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, in_inbox=True).order_by("-created_at", "-id")


def inbox_unread_count(*, user: User) -> int:
    """Unread inbox entries, capped at UNREAD_COUNT_CAP: one indexed query, or none from the cache."""
    shared = settings.SHARED_CACHE
    cached = cache.get(unread_count_key(user.pk)) if shared else None
    if isinstance(cached, int):
        return cached
    count = Notification.objects.filter(recipient=user, in_inbox=True, read_at__isnull=True)[:UNREAD_COUNT_CAP].count()
    if shared and cached is None:
        cache.add(unread_count_key(user.pk), count, UNREAD_COUNT_SECONDS)
    return count


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
