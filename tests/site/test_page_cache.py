"""The anonymous page cache (balikpapan_pb/middleware.py): readers who are not signed in get
a page rendered at most PAGE_CACHE_SECONDS ago; nobody ever gets another person's page."""

import re

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from proposals.models import Status
from rounds.models import Phase
from tests.dashboard.conftest import build_round
from tests.factories import AreaFactory, ProposalFactory, RoundFactory, UserFactory

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 30
    caches["pages"].clear()
    yield
    caches["pages"].clear()


@pytest.fixture
def listed():
    round_ = RoundFactory(phase=Phase.SUPPORT)
    area = AreaFactory(round=round_)
    ProposalFactory(round=round_, area=area, status=Status.APPROVED, title="Lampu jalan Gang Mawar")
    return round_, area


def _advance_clock(monkeypatch, seconds: float) -> None:
    import time

    from django.core.cache.backends import locmem

    now = time.time() + seconds
    monkeypatch.setattr(locmem.time, "time", lambda: now)


def test_a_visitor_reads_the_list_from_the_cache_and_sees_changes_after_it_expires(
    client, listed, django_assert_num_queries, monkeypatch
):
    round_, area = listed
    url = reverse("proposals:list") + f"?putaran={round_.slug}"
    first = client.get(url).content.decode()
    assert "Lampu jalan Gang Mawar" in first
    ProposalFactory(round=round_, area=area, status=Status.APPROVED, title="Drainase Jl. Kenanga")
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.status_code == 200 and second["Content-Type"].startswith("text/html")
    assert second.content.decode() == first  # at most PAGE_CACHE_SECONDS old
    _advance_clock(monkeypatch, 31)
    assert "Drainase Jl. Kenanga" in client.get(url).content.decode()


def test_each_language_and_each_query_has_its_own_page(client, listed):
    round_, _area = listed
    indonesian = client.get(reverse("proposals:list")).content.decode()
    english = client.get("/en" + reverse("proposals:list")).content.decode()
    filtered = client.get(reverse("proposals:list") + "?q=tidak-ada-yang-cocok").content.decode()
    assert '<html lang="id">' in indonesian and '<html lang="en">' in english
    assert "Lampu jalan Gang Mawar" in indonesian and "Lampu jalan Gang Mawar" not in filtered


def test_a_signed_in_resident_never_gets_the_anonymous_page(client, listed, django_assert_max_num_queries):
    round_, _area = listed
    url = round_.get_absolute_url()
    anonymous = client.get(url).content.decode()
    assert reverse("accounts:login") in anonymous
    client.force_login(UserFactory(full_name="Siti Aminah"))
    page = client.get(url).content.decode()
    assert reverse("accounts:logout") in page and page != anonymous
    client.logout()
    # And a signed-in page is never stored for the next visitor.
    assert reverse("accounts:logout") not in Client().get(url).content.decode()


def test_a_page_with_a_csrf_token_is_never_shared(settings):
    settings.PAGE_CACHE_VIEWS = settings.PAGE_CACHE_VIEWS | {"accounts:register"}
    url = reverse("accounts:register")
    first, second = Client(), Client()
    token_a = TOKEN.search(first.get(url).content.decode()).group(1)
    response_b = second.get(url)
    token_b = TOKEN.search(response_b.content.decode()).group(1)
    assert "csrftoken" in response_b.cookies  # rendered for this visitor, with their own cookie
    assert token_a != token_b
    # The form answers (with its errors), no CSRF failure.
    assert second.post(url, {"email": "x@example.test", "csrfmiddlewaretoken": token_b}).status_code == 200


def test_errors_and_posts_are_not_cached(client, listed):
    round_, _area = listed
    assert client.get("/usulan/999999/").status_code == 404
    ProposalFactory(pk=999999, round=round_, area=round_.areas.first(), status=Status.APPROVED)
    assert client.get("/usulan/999999/").status_code == 200


def test_every_cached_public_page_is_free_of_csrf_tokens_and_personal_cookies(client, settings):
    built = build_round(slug="ap-cache", voters=15)
    built.round.phase = Phase.IMPLEMENTATION
    built.round.save()
    funded = next(p for p in built.proposals if str(p.pk) == built.snapshot.result["selected"][0])
    slug, code = built.round.slug, built.area.code
    pages = {
        "home": reverse("home"), "privacy": reverse("privacy"), "rounds:list": reverse("rounds:list"),
        "rounds:detail": reverse("rounds:detail", args=[slug]), "proposals:list": reverse("proposals:list"),
        "proposals:detail": funded.get_absolute_url(),
        "dashboard:round_results": reverse("dashboard:round_results", args=[slug]),
        "dashboard:area_results": reverse("dashboard:area_results", args=[slug, code]),
        "dashboard:area_print": reverse("dashboard:area_print", args=[slug, code]),
        "dashboard:round_projects": reverse("dashboard:round_projects", args=[slug]),
        "dashboard:open_data": reverse("dashboard:open_data"),
        "dashboard:project": reverse("dashboard:project", args=[funded.pk]),
    }
    assert set(pages) == settings.PAGE_CACHE_VIEWS
    for name, url in pages.items():
        fresh = Client().get(url)
        cached = Client().get(url)
        assert fresh.status_code == cached.status_code == 200, name
        assert "csrfmiddlewaretoken" not in fresh.content.decode(), name
        assert not fresh.cookies and not cached.cookies, name
        assert cached.content == fresh.content, name
