"""Sessions, the signed-in person and the unread badge live in the shared cache (Redis): what a
person or an officer changes still takes effect on the very next request, on every worker.

Two test clients holding one session cookie stand for two gunicorn workers (or a stolen
cookie): each reads the session and the user from the same Redis, as the workers do."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.caching import user_key
from accounts.models import Role, User
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.services import notification_mark_read, notifications_mark_all_read, notify, notify_many

pytestmark = pytest.mark.django_db

PROFILE = "/akun/profil/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def same_session(client: Client) -> Client:
    """Another worker's view of the same browser: the same session cookie, nothing else shared."""
    other = Client()
    other.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return other


def is_signed_in(client: Client) -> bool:
    response = client.get(PROFILE)
    return response.status_code == 200


def test_sessions_and_users_are_read_from_the_cache(user, django_assert_num_queries):
    """The point of it: a signed-in page's session and user cost no query."""
    client = signed_in(user)
    client.get(PROFILE)
    assert cache.get(user_key(user.pk)) is not None
    with django_assert_num_queries(0):
        client.get(reverse("privacy"))


def test_logout_ends_the_session_on_every_worker(user):
    browser = signed_in(user)
    other_worker = same_session(browser)
    assert is_signed_in(browser) and is_signed_in(other_worker)  # both have it cached now
    browser.post(reverse("accounts:logout"))
    assert not is_signed_in(other_worker)
    assert not is_signed_in(same_session(browser))


def test_password_change_ends_every_other_session_at_once(user):
    laptop, phone = signed_in(user), signed_in(user)
    assert is_signed_in(laptop) and is_signed_in(phone)  # the user row is cached
    fresh = User.objects.get(pk=user.pk)  # e.g. the password reset page, on another worker
    fresh.set_password("sandi-baru-yang-panjang-1")
    fresh.save()
    assert not is_signed_in(phone)
    assert not is_signed_in(laptop)


def test_a_deactivated_account_is_signed_out_at_once(user):
    client = signed_in(user)
    assert is_signed_in(client)
    account = User.objects.get(pk=user.pk)
    account.is_active = False
    account.save()
    assert not is_signed_in(client)


def test_a_role_change_takes_effect_at_once(user):
    client = signed_in(user)
    moderation = reverse("proposals:moderation")
    page = client.get(PROFILE).content.decode()
    assert moderation not in page and client.get(moderation).status_code == 403
    account = User.objects.get(pk=user.pk)
    account.role = Role.MODERATOR
    account.save()
    assert moderation in client.get(PROFILE).content.decode()
    assert client.get(moderation).status_code == 200
    account.role = Role.CITIZEN
    account.save()
    assert moderation not in client.get(PROFILE).content.decode()
    assert client.get(moderation).status_code == 403


def test_a_moderators_new_kelurahan_is_seen_at_once(user, kelurahan_code):
    """A change of the moderated kelurahan (a many-to-many, not a save of the user) reaches
    the cached user too: the predicates ask the database, never a stale copy."""
    from wilayah.models import Kelurahan

    user.role = Role.MODERATOR
    user.save()
    client = signed_in(user)
    client.get(PROFILE)
    kelurahan = Kelurahan.objects.get(code=kelurahan_code)
    kelurahan.moderators.add(user)
    assert cache.get(user_key(user.pk)) is None
    client.get(PROFILE)
    kelurahan.moderators.clear()
    assert cache.get(user_key(user.pk)) is None


def badge(client: Client) -> str:
    page = client.get(PROFILE).content.decode()
    start = page.find("data-unread=")
    return page[start:start + 16] if start >= 0 else ""


def test_a_new_notification_shows_in_the_badge_at_once_and_reading_clears_it(user):
    client = signed_in(user)
    assert badge(client) == ""  # the count 0 is cached now
    first = notify(recipient=user, kind=Kind.RESULTS_PUBLISHED, context={})
    assert badge(client).startswith('data-unread="1"')
    notify(recipient=user, kind=Kind.RESULTS_PUBLISHED, context={})
    assert badge(client).startswith('data-unread="2"')
    notification_mark_read(user=user, notification_id=first.pk)
    assert badge(client).startswith('data-unread="1"')
    notifications_mark_all_read(user=user)
    assert badge(client) == ""


def test_a_fanned_out_notification_shows_in_every_badge_at_once(user_factory):
    from notifications.models import FanoutBatch
    from notifications.services import fanout_batch_expand

    people = user_factory.create_batch(3)
    clients = [signed_in(person) for person in people]
    assert [badge(c) for c in clients] == ["", "", ""]
    notify_many(recipient_ids=[p.pk for p in people], kind=Kind.RESULTS_PUBLISHED, context={})
    for batch in FanoutBatch.objects.filter(done_at__isnull=True):
        fanout_batch_expand(batch_id=batch.pk)
    assert Notification.objects.filter(recipient__in=people).count() == 3
    assert all(badge(c).startswith('data-unread="1"') for c in clients)


def test_a_read_racing_a_change_cannot_put_the_old_row_back(user, settings):
    """Production keeps a marker for CACHE_CHANGE_GUARD_SECONDS after a change: a request that
    read the row before the change committed (another worker) must not cache what it read."""
    from accounts.caching import RECENTLY_CHANGED, user_cached

    settings.CACHE_CHANGE_GUARD_SECONDS = 60
    stale = User.objects.get(pk=user.pk)
    assert user_cached(user.pk, lambda pk: stale) == stale  # cached
    account = User.objects.get(pk=user.pk)
    account.role = Role.MODERATOR
    account.save()
    assert cache.get(user_key(user.pk)) == RECENTLY_CHANGED
    assert user_cached(user.pk, lambda pk: stale) is stale  # the racing reader's old row...
    assert cache.get(user_key(user.pk)) == RECENTLY_CHANGED  # ...is not kept
    assert user_cached(user.pk, lambda pk: User.objects.get(pk=pk)).role == Role.MODERATOR
