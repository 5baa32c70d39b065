"""Shared pages with personal bytes (balikpapan_pb/shared_pages.py): a page signed-in citizens
read alike is rendered once and served to each with their own CSRF token and menu badge.

Written as an attacker would read them: two residents alternating on the same pages, a visitor
after them, an officer; every page checked for the other person's bytes."""

import re

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from balikpapan_pb.shared_pages import CSRF_PLACEHOLDER, NAV_USER_PLACEHOLDER
from notifications.kinds import Kind
from notifications.services import notify
from proposals.models import Status
from rounds.models import Phase
from tests.factories import AreaFactory, ProposalFactory, RoundFactory, UserFactory

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
BADGE = re.compile(r'data-unread="(\d+)"')
PAGES = ["/", "/usulan/", "/putaran/"]


@pytest.fixture(autouse=True)
def shared_pages(settings):
    settings.SHARED_PAGE_SECONDS = 300
    caches["pages"].clear()
    yield
    caches["pages"].clear()


@pytest.fixture
def listed():
    round_ = RoundFactory(phase=Phase.SUPPORT)
    area = AreaFactory(round=round_)
    proposal = ProposalFactory(round=round_, area=area, status=Status.APPROVED, title="Lampu jalan Gang Mawar")
    return proposal


def browser(user=None, csrf_checks=False) -> Client:
    client = Client(enforce_csrf_checks=csrf_checks)
    if user is not None:
        client.force_login(user)
    return client


def without_tokens(page: str) -> str:
    """A page without its CSRF tokens, which are masked afresh on every response."""
    return TOKEN.sub("", page)


def read(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200
    text = response.content.decode()
    assert CSRF_PLACEHOLDER not in text and NAV_USER_PLACEHOLDER not in text
    return text


def test_two_residents_alternating_each_get_their_own_token_and_badge(listed, django_assert_max_num_queries):
    ana, budi = UserFactory(), UserFactory()
    notify(recipient=budi, kind=Kind.RESULTS_PUBLISHED, context={})
    notify(recipient=budi, kind=Kind.RESULTS_PUBLISHED, context={})
    a, b = browser(ana, csrf_checks=True), browser(budi, csrf_checks=True)
    for _round in range(2):
        for path in PAGES:
            page_a, page_b = read(a, path), read(b, path)
            tokens_a, tokens_b = set(TOKEN.findall(page_a)), set(TOKEN.findall(page_b))
            assert tokens_a and tokens_b and not tokens_a & tokens_b
            assert BADGE.findall(page_a) == [] and BADGE.findall(page_b) == ["2", "2"]  # mobile and wide menu
            assert "Lampu jalan Gang Mawar" in page_b or path != "/usulan/"
    # the page came from the cache: no query renders it again
    with django_assert_max_num_queries(0):
        read(b, "/usulan/")
    # each token is its owner's: Budi's works for Budi, Ana's is refused to Budi
    ana_token = TOKEN.findall(read(a, "/usulan/"))[0]
    budi_token = TOKEN.findall(read(b, "/usulan/"))[0]
    assert b.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": ana_token}).status_code == 403
    assert b.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": budi_token}).status_code == 302
    assert b.get(reverse("accounts:profile")).status_code == 302  # signed out: to the login page


def test_a_visitor_never_gets_a_signed_in_page(listed, settings):
    settings.PAGE_CACHE_SECONDS = 30  # the visitors' own cache on as well, as in production
    resident = browser(UserFactory())
    for path in PAGES:
        read(resident, path)
        page = read(browser(), path)
        assert "csrfmiddlewaretoken" not in page and reverse("accounts:logout") not in page
        assert reverse("accounts:login") in page
    # and the other way round: a visitor's kept page is not served to a resident
    page = read(resident, "/usulan/")
    assert reverse("accounts:logout") in page and TOKEN.search(page)


def test_an_officers_page_is_their_own(listed, kelurahan_code):
    resident, moderator, council = UserFactory(), UserFactory(role=Role.MODERATOR), UserFactory(role=Role.COUNCIL)
    moderation, dashboard = reverse("proposals:moderation"), reverse("dashboard:council")
    for path in PAGES:
        page_resident = read(browser(resident), path)
        page_moderator = read(browser(moderator), path)
        page_council = read(browser(council), path)
        assert moderation in page_moderator and moderation not in page_resident and moderation not in page_council
        assert dashboard in page_council and dashboard not in page_resident
        assert dashboard not in read(browser(UserFactory()), path)


def test_what_a_resident_does_shows_at_once(listed):
    ana, budi = UserFactory(), UserFactory()
    a, b = browser(ana), browser(budi)
    assert "Lampu jalan Gang Mawar" in read(a, "/usulan/") and "Lampu jalan Gang Mawar" in read(b, "/usulan/")
    listed.title = "Lampu jalan Gang Melati"
    listed.save()
    assert "Gang Melati" in read(a, "/usulan/") and "Gang Melati" in read(b, "/usulan/")
    # a notification shows in the badge at once, on a kept page
    notify(recipient=ana, kind=Kind.RESULTS_PUBLISHED, context={})
    assert BADGE.findall(read(a, "/usulan/")) == ["1", "1"] and BADGE.findall(read(b, "/usulan/")) == []


def test_a_support_shows_at_once_on_the_list(listed):
    from proposals.models import Support

    resident = UserFactory()
    client = browser(resident)
    before = without_tokens(read(client, "/usulan/"))
    assert without_tokens(read(client, "/usulan/")) == before  # kept as it was
    Support.objects.create(proposal=listed, user=resident)
    assert without_tokens(read(client, "/usulan/")) != before


def test_a_page_with_a_message_waiting_is_rendered_for_its_reader(listed):
    """A message ("Semua notifikasi sudah ditandai dibaca") is its reader's own: such a page is
    neither shared nor kept."""
    ana_user = UserFactory()
    ana, budi = browser(ana_user), browser(UserFactory())
    read(budi, "/usulan/")
    notify(recipient=ana_user, kind=Kind.RESULTS_PUBLISHED, context={})
    ana.post(reverse("notifications:mark_all_read"))
    said = "Semua notifikasi sudah ditandai dibaca"
    assert said in read(ana, "/usulan/")
    assert said not in read(budi, "/usulan/")
    assert said not in read(ana, "/usulan/")  # shown once, as always


def test_results_pages_are_shared_and_follow_turnout_and_publication(settings):
    """The results pages follow two version keys: content (a snapshot published, a proposal
    changed) and turnout (a participation written), each seen on the next page."""
    from tests.dashboard.conftest import build_round
    from voting.models import Participation

    built = build_round(voters=12)
    paths = [reverse("dashboard:round_results", args=[built.round.slug]),
             reverse("dashboard:area_results", args=[built.round.slug, built.area.code])]
    ana, budi = UserFactory(), UserFactory()
    notify(recipient=budi, kind=Kind.RESULTS_PUBLISHED, context={})
    a, b = browser(ana), browser(budi)
    for path in paths:
        page_a, page_b = read(a, path), read(b, path)
        assert BADGE.findall(page_a) == [] and BADGE.findall(page_b) == ["1", "1"]
        assert not set(TOKEN.findall(page_a)) & set(TOKEN.findall(page_b))
    before = [without_tokens(read(a, path)) for path in paths]
    assert [without_tokens(read(a, path)) for path in paths] == before
    for n in range(10):  # ten paper ballots from a forum: counts under 10 are not shown
        Participation.objects.create(round=built.round, area=built.area, nik_hash=f"{n:064d}", channel="paper",
                                     age_band="35", gender="P", kecamatan_id=built.area.kelurahan.kecamatan_id)
    after = [without_tokens(read(a, path)) for path in paths]
    assert after[1] != before[1]  # the area's turnout by channel counts them at once
    built.proposals[0].title = "Judul yang baru saja diganti"
    built.proposals[0].save()
    assert any("Judul yang baru saja diganti" in read(b, path) for path in paths)


def test_a_proposal_cannot_collect_its_readers_tokens():
    """A reader's token goes wherever the placeholder stands. An author who knew it (say, from
    a published source) could write it into a proposal's title and have every reader's token
    put in their list page there: the placeholder is derived from SECRET_KEY instead."""
    published = "sw-csrf-7c1e0b9f5a3d4e26"  # the first version's constant, as an attacker would try
    round_ = RoundFactory(phase=Phase.SUPPORT)
    ProposalFactory(round=round_, area=AreaFactory(round=round_), status=Status.APPROVED, title=f"Jalan {published}")
    client = browser(UserFactory(), csrf_checks=True)
    for _ in range(2):  # rendered, then from the kept page
        page = read(client, "/usulan/")
        assert f"Jalan {published}" in page
        assert CSRF_PLACEHOLDER != published
