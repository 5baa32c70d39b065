"""The signed-in person, kept in the shared cache between requests.

Every signed-in request needs the user row; reading it from the cache (Redis in production)
saves a query per request. What must take effect at once still does:

- every save of the row (a password change, a role change, a deactivation, a login's
  last_login) replaces the cached copy by a marker that says "read the database" for
  settings.CACHE_CHANGE_GUARD_SECONDS, so a request that read the old row while the writing transaction
  was still open cannot put it back; Django then compares the session's password hash with the
  fresh row and ends every other session of a changed password. (A marker rather than a
  delete at commit: the tests count on-commit callbacks to prove an e-mail is queued.)
- a logout deletes the session from the cache and the database (cached_db sessions), so it
  ends on every worker;
- USER_CACHE_SECONDS bounds how long a copy lives if a write bypassed `save()`. The one
  queryset `update()` of users (accounts.services.adult_dates_forget) clears a date that has
  passed, which a cached copy answers the same way (User.is_of_voting_age).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache

RECENTLY_CHANGED = "changed"


def user_key(user_id) -> str:
    return f"user:{user_id}"


def user_cached(user_id, load):
    """The user with this id from the cache, or `load(user_id)` (None if there is none) kept there."""
    if not settings.USER_CACHE_SECONDS:
        return load(user_id)
    key = user_key(user_id)
    user = cache.get(key)
    if user == RECENTLY_CHANGED:
        return load(user_id)
    if user is None:
        user = load(user_id)
        if user is not None:
            cache.add(key, user, settings.USER_CACHE_SECONDS)  # add: never over a marker set meanwhile
    return user


def user_forget_many(user_ids: Iterable) -> None:
    if not settings.USER_CACHE_SECONDS:
        return
    keys = [user_key(pk) for pk in user_ids]
    if settings.CACHE_CHANGE_GUARD_SECONDS:
        cache.set_many(dict.fromkeys(keys, RECENTLY_CHANGED), settings.CACHE_CHANGE_GUARD_SECONDS)
    else:
        cache.delete_many(keys)


def user_forget(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    """post_save / post_delete receiver: the cached copy goes at once. A new row has no copy
    yet, and a login's own save of last_login changes nothing a page or a permission reads."""
    if created or (update_fields is not None and set(update_fields) == {"last_login"}):
        return
    user_forget_many([instance.pk])
