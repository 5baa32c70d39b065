from django.utils.functional import SimpleLazyObject

from .selectors import inbox_unread_count


def unread_count(request):
    """`notifications_unread_count` for the navbar: one query, and only on pages that show it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread_count": 0}
    return {"notifications_unread_count": SimpleLazyObject(lambda: inbox_unread_count(user=user))}
