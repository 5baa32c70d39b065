"""The link to the other language stays on this site, whatever path was asked for."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def switch_link(response) -> str:
    return re.search(r'<a [^>]*href="([^"]*)" hreflang=', response.content.decode()).group(1)


@pytest.mark.parametrize("path", ["//evil.test/x", "///evil.test/x", "/\\evil.test/x", "//evil.test/usulan/",
                                  "/en//evil.test/x", "/https://evil.test/"])
def test_a_404_never_offers_an_off_site_language_link(path):
    response = Client().get("/", PATH_INFO=path)
    assert response.status_code == 404
    link = switch_link(response)
    assert link.startswith("/") and not link.startswith(("//", "/\\")), link
    assert "evil.test" not in link.split("?")[0].lstrip("/").split("/")[0]
    assert link in ("/en/", "/")  # a page that does not exist switches to the home page


def test_the_link_still_keeps_the_page_and_its_query():
    response = Client().get("/usulan/?kategori=drainase&q=banjir")
    assert switch_link(response) == "/en/usulan/?kategori=drainase&amp;q=banjir"
    assert switch_link(Client().get("/en/putaran/")) == "/putaran/"
