"""The shared cache read ahead in one round trip (balikpapan_pb/preload.py, balikpapan_pb/cache.py)
and each reader's own state on a proposal page kept in it (balikpapan_pb.shared_pages.reader_kept).

Written as attacks: two people alternating on the same pages, each must get their own state from
the kept one; every write (a support, a follow, a moderation, a phase) read back at once by the
writer and by the other; a state read while a write may be uncommitted never kept; a session
whose user the process guessed wrong; a value written after it was read ahead."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from balikpapan_pb import preload, shared_pages
from balikpapan_pb.cache import preloading
from notifications.kinds import Kind
from notifications.services import notify
from proposals.models import Status
from proposals.services import proposal_hide
from rounds.models import Phase
from rounds.services import round_advance_phase
from tests.factories import AreaFactory, ProposalFactory, RoundFactory, UserFactory
from tests.site.clients import browser, read

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pages_kept_at_once")]
SUPPORT, UNSUPPORT = "Dukung usulan ini", "Batalkan dukungan"
FOLLOW, UNFOLLOW = ">Ikuti<", "Berhenti mengikuti"
BADGE = re.compile(r'data-unread="(\d+)"')


@pytest.fixture
def proposal():
    round_ = RoundFactory(phase=Phase.SUPPORT)
    return ProposalFactory(round=round_, area=AreaFactory(round=round_), status=Status.APPROVED)


def test_two_readers_alternating_each_get_their_own_kept_state(proposal, django_assert_num_queries):
    ana, budi = UserFactory(), UserFactory()
    proposal.supports.create(user=ana)
    proposal.follows.create(user=ana)
    a, b = browser(ana), browser(budi)
    path = proposal.get_absolute_url()
    read(a, path), read(b, path)  # each reader's state read once and kept
    for _turn in range(3):
        with django_assert_num_queries(0):
            page_a = read(a, path)
        with django_assert_num_queries(0):
            page_b = read(b, path)
        assert UNSUPPORT in page_a and SUPPORT not in page_a and UNFOLLOW in page_a
        assert SUPPORT in page_b and UNSUPPORT not in page_b and FOLLOW in page_b and UNFOLLOW not in page_b


def test_a_support_and_a_follow_show_at_once_over_kept_states(proposal):
    ana, budi = UserFactory(), UserFactory()
    a, b = browser(ana), browser(budi)
    path = proposal.get_absolute_url()
    read(a, path), read(b, path), read(a, path), read(b, path)  # both states kept
    a.post(reverse("proposals:support", args=[proposal.pk]))
    read(a, path)  # the thank-you message
    page_a, page_b = read(a, path), read(b, path)
    assert UNSUPPORT in page_a and SUPPORT in page_b and UNSUPPORT not in page_b
    b.post(reverse("proposals:follow", args=[proposal.pk]))
    read(b, path)
    page_a, page_b = read(a, path), read(b, path)
    assert UNFOLLOW in page_b and UNFOLLOW not in page_a and FOLLOW in page_a
    a.post(reverse("proposals:support", args=[proposal.pk]))  # taken back
    read(a, path)
    assert SUPPORT in read(a, path) and UNSUPPORT not in read(a, path)


def test_a_phase_move_and_a_moderation_show_at_once_over_kept_states(proposal):
    officer = UserFactory(is_superuser=True)
    budi = UserFactory()
    b = browser(budi)
    path = proposal.get_absolute_url()
    read(b, path)
    assert SUPPORT in read(b, path)  # kept
    round_advance_phase(round=proposal.round, actor=officer)  # support is over
    page = read(b, path)
    assert SUPPORT not in page and UNSUPPORT not in page
    proposal.refresh_from_db()
    proposal_hide(proposal=proposal, actor=officer, reason="Melanggar pedoman")
    assert b.get(path).status_code in (403, 404)


def test_a_state_read_just_after_a_change_is_not_kept(proposal, settings):
    """Within CACHE_CHANGE_GUARD_SECONDS of a new version the writing transaction may not have
    committed: a state read then may be the one before the write, and is used but not kept."""
    settings.CACHE_CHANGE_GUARD_SECONDS = 5
    budi = UserFactory()
    b = browser(budi)
    path = proposal.get_absolute_url()
    shared_pages.content_changed()
    read(b, path)
    assert cache.get(shared_pages.reader_state_key(budi.pk, proposal.pk)) is None
    cache.set("shared-pages:content", "older:0", None)  # the last change long ago
    read(b, path)
    assert cache.get(shared_pages.reader_state_key(budi.pk, proposal.pk)) is not None


def test_a_session_whose_user_the_process_guessed_wrong_gets_its_own_menu(proposal):
    """The process reads a session's user's keys with the session, by the user it saw with that
    session before: a wrong guess (here planted) must give nobody another person's badge or state."""
    ana, budi = UserFactory(), UserFactory()
    proposal.supports.create(user=budi)
    for _ in range(3):
        notify(recipient=budi, kind=Kind.RESULTS_PUBLISHED, context={})
    a, b = browser(ana), browser(budi)
    path = proposal.get_absolute_url()
    read(b, path), read(b, path)  # Budi's badge and state in the cache
    preload._USER_OF_SESSION[a.session.session_key] = str(budi.pk)
    for _turn in range(2):
        page_a = read(a, path)
        assert BADGE.findall(page_a) == [] and SUPPORT in page_a and UNSUPPORT not in page_a
        page_b = read(b, path)
        assert BADGE.findall(page_b) == ["3", "3"] and UNSUPPORT in page_b
    assert preload._USER_OF_SESSION[a.session.session_key] == str(ana.pk)  # learnt from the session


def test_a_value_written_after_it_was_read_ahead_is_read_afresh():
    cache.set("read-ahead:a", 1)
    cache.set("read-ahead:b", 1)
    with preloading():
        assert cache.preload(["read-ahead:a", "read-ahead:b", "read-ahead:none"]) == {
            "read-ahead:a": 1, "read-ahead:b": 1}
        cache.set("read-ahead:a", 2)  # written in this request
        cache._cache.set(cache.make_key("read-ahead:b"), 3, None)  # and by another process, past this cache
        assert cache.get("read-ahead:a") == 2
        assert cache.get("read-ahead:b") == 1  # as read at the start of the request, once
        assert cache.get("read-ahead:b") == 3  # a second read goes to Redis
        assert cache.get("read-ahead:none", "default") == "default"
    with preloading():  # nothing carried over to the next request
        assert cache.get("read-ahead:a") == 2


def test_a_read_ahead_cut_short_leaves_no_reply_for_the_next_command(monkeypatch):
    """The MGET is sent on a pooled connection directly (SharedRedisCache.preload): when its reply
    is not read (a timeout), that connection must not go back to the pool with the reply waiting,
    or the next command on it would read this one's reply as its own (another key's value)."""
    from redis.connection import Connection
    from redis.exceptions import TimeoutError as RedisTimeout

    cache.set("read-ahead:mine", "mine")
    cache.set("read-ahead:other", "other")
    real_read = Connection.read_response
    cut = []

    def read_once_cut_short(self, *args, **kwargs):
        if not cut:
            cut.append(self)
            raise RedisTimeout("Timeout reading from socket")
        return real_read(self, *args, **kwargs)

    monkeypatch.setattr(Connection, "read_response", read_once_cut_short)
    with preloading():
        assert cache.preload(["read-ahead:mine"]) == {"read-ahead:mine": "mine"}  # asked again, through the client
    monkeypatch.setattr(Connection, "read_response", real_read)
    for _ in range(3):
        assert cache.get("read-ahead:other") == "other"


def test_a_read_sent_for_a_request_that_reaches_no_view_is_read_and_its_connection_given_back():
    """The read is sent before the URL is resolved; a request that ends before any view (a 404
    here, a static file under whitenoise) must still read the reply and give the connection back:
    left unread, the next command on it would read this reply as its own; kept, every such
    request would hold one more connection."""
    budi = UserFactory()
    b = browser(budi)
    cache.set("read-ahead:other", "other")
    pool = cache._cache.get_client(None).connection_pool
    read(b, "/")  # the connections this process uses
    in_use = len(pool._in_use_connections)
    for _ in range(5):
        assert b.get("/tidak-ada-halaman-ini/").status_code == 404
        assert cache.get("read-ahead:other") == "other"
    assert len(pool._in_use_connections) == in_use


def test_a_static_file_asks_redis_nothing(monkeypatch):
    """Browsers send the session cookie with every stylesheet and script: whitenoise serves them
    without a session or a user, so nothing is read ahead for them."""
    from balikpapan_pb.cache import SharedRedisCache

    b = browser(UserFactory())
    sent = []
    real_send = SharedRedisCache.preload_send

    def recording_send(self, keys, version=None):
        sent.append(keys)
        return real_send(self, keys, version)

    monkeypatch.setattr(SharedRedisCache, "preload_send", recording_send)
    b.get("/static/vendor/bootstrap/bootstrap.min.css")
    b.get("/media/tidak-ada.jpg")
    assert sent == []
    read(b, "/")
    assert sent  # a page does
