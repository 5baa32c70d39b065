"""Forums and the nasib usulan pages are reached by clicking from the home page, for each role
(issue 14): the menu's Musrenbang page for everyone, each officer's own forum on their home page."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from accounts.models import Role
from musrenbang.models import Forum
from tests.factories import RoundFactory, UserFactory, _kelurahan
from wilayah.models import Kecamatan

pytestmark = pytest.mark.django_db
GUNUNG_BAHAGIA = "64.71.05.1006"


def links(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


def click(client, start: str, target: str) -> str:
    """Follows a link from `start` to `target` as a person would: it must be on the page."""
    page = client.get(start)
    assert page.status_code == 200
    assert target in links(page.content.decode()), f"{target} is not linked from {start}"
    response = client.get(target)
    assert response.status_code == 200, target
    return response.content.decode()


@pytest.fixture
def round_():
    return RoundFactory(phase="review", year=2027, slug="ap-2027", name="Anggaran Partisipatif 2027")


def test_a_visitor_clicks_from_home_to_the_forums_and_every_nasib_page(client, round_):
    hub = reverse("musrenbang:index")
    page = click(client, reverse("home"), hub)
    assert reverse("musrenbang:forums", args=[round_.slug]) in links(page)
    click(client, hub, reverse("musrenbang:forums", args=[round_.slug]))
    for kecamatan in Kecamatan.objects.prefetch_related("kelurahan_set"):
        assert reverse("musrenbang:nasib_kecamatan", args=[kecamatan.code]) in links(page)
        for kelurahan in kecamatan.kelurahan_set.all():
            assert reverse("musrenbang:nasib_kelurahan", args=[kelurahan.code]) in links(page)
    click(client, hub, reverse("musrenbang:nasib_kelurahan", args=[GUNUNG_BAHAGIA]))


def test_a_draft_round_has_no_forum_link(client, round_):
    draft = RoundFactory(phase="draft", year=2029, slug="ap-2029")
    page = client.get(reverse("musrenbang:index")).content.decode()
    assert reverse("musrenbang:forums", args=[draft.slug]) not in page


def test_a_resident_finds_their_own_kelurahans_nasib_first(client, round_):
    client.force_login(UserFactory(kelurahan=_kelurahan(GUNUNG_BAHAGIA)))
    page = client.get(reverse("musrenbang:index")).content.decode()
    own = page[page.index('id="wilayah-saya"'):page.index('id="forum-putaran"')]
    assert reverse("musrenbang:nasib_kelurahan", args=[GUNUNG_BAHAGIA]) in own
    assert reverse("musrenbang:nasib_kecamatan", args=["64.71.05"]) in own


def test_the_lpm_clicks_from_home_to_their_kelurahan_forum(client, round_):
    lpm = UserFactory(role=Role.MODERATOR)
    lpm.moderated_kelurahan.add(_kelurahan(GUNUNG_BAHAGIA))
    client.force_login(lpm)
    click(client, reverse("home"), reverse("musrenbang:forum_create", args=[round_.slug, "kelurahan", GUNUNG_BAHAGIA]))
    forum = Forum.objects.create(round=round_, level="kelurahan", kelurahan_id=GUNUNG_BAHAGIA,
                                 held_at=dt.datetime(2027, 1, 15, 1, tzinfo=dt.UTC), place="Aula", officers="Ketua LPM")
    click(client, reverse("home"), reverse("musrenbang:forum", args=[forum.pk]))


def test_a_kecamatan_officer_clicks_from_home_to_their_kecamatan_forum(client, round_):
    officer = UserFactory(role=Role.MODERATOR)
    officer.moderated_kecamatan.add(Kecamatan.objects.get(code="64.71.05"))
    client.force_login(officer)
    click(client, reverse("home"), reverse("musrenbang:forum_create", args=[round_.slug, "kecamatan", "64.71.05"]))


def test_the_admin_clicks_from_home_to_the_rounds_forums(client, round_):
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True))
    page = click(client, reverse("home"), reverse("musrenbang:forums", args=[round_.slug]))
    assert reverse("musrenbang:forum_create", args=[round_.slug, "kota", "64.71"]) in links(page)


def test_residents_and_visitors_get_no_officers_forum_links(client, round_):
    for user in (None, UserFactory(kelurahan=_kelurahan(GUNUNG_BAHAGIA))):
        if user is not None:
            client.force_login(user)
        page = client.get(reverse("home")).content.decode()
        assert "/forum/baru/" not in page
