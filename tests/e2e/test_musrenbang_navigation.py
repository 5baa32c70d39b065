"""On a phone without JavaScript: a visitor reaches the forums and the nasib usulan pages from
the menu, and the LPM officer goes from the home page to their kelurahan forum and from there to
the forum's paper ballots (issue 14)."""

import re

import pytest

from .test_role_navigation import _menu, _phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_reaches_forums_and_nasib_pages_from_the_menu(demo, chromium, live_server):
    context, page = _phone(chromium, live_server)
    _menu(page, "Musrenbang")
    assert page.url.endswith("/musrenbang/")
    page.get_by_role("link", name="Gunung Bahagia", exact=True).click()
    assert page.url.endswith("/musrenbang/nasib/kelurahan/64.71.05.1006/")
    assert "Nasib usulan" in page.locator("main h1").inner_text()
    page.go_back()
    page.locator("#forum-putaran + .list-group a", has_text="2027").click()
    assert re.search(r"/musrenbang/ap-2027/forum/$", page.url)
    page.get_by_role("link", name=re.compile("Gunung Bahagia")).first.click()
    assert re.search(r"/musrenbang/forum/\d+/$", page.url)
    assert page.locator("#kertas a").count() == 0  # a visitor enters no paper ballots
    context.close()


def test_the_lpm_goes_from_home_to_their_forum_and_its_paper_ballots(demo, chromium, live_server):
    context, page = _phone(chromium, live_server, "lpm@demo.local")
    page.locator("#tugas a[href^='/musrenbang/forum/']", has_text="Gunung Bahagia").first.click()
    assert re.search(r"/musrenbang/forum/\d+/$", page.url)
    page.locator("#kertas").get_by_role("link", name=re.compile("Gunung Bahagia")).first.click()
    assert re.search(r"/pilih/ap-2027/wilayah/\d+/kertas/\?kelurahan=64\.71\.05\.1006$", page.url)
    assert "Forum Musrenbang Kelurahan Gunung Bahagia" in page.locator("main").inner_text()
    assert page.locator("input[name=nik]").count() == 1
    context.close()
