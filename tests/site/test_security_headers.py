"""Security headers on every page, and templates that a Content-Security-Policy without
'unsafe-inline' for scripts can serve."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]


def policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


@pytest.mark.parametrize("path", ["/", "/en/usulan/", "/tidak-ada/", "/akun/masuk/", "/healthz"])
def test_every_answer_carries_a_policy_without_inline_script(path):
    response = Client().get(path)
    csp = policy(response)
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no other origin
    assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["base-uri"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["style-src-elem"]
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    permissions = response.headers["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in permissions


def test_the_map_tiles_are_allowed():
    origin = re.match(r"https?://[^/]+", settings.MAP_TILE_URL.replace("{s}", "*")).group(0)
    assert origin in policy(Client().get("/"))["img-src"]


def test_a_signed_in_page_and_the_admin_carry_the_policy_too():
    client = Client()
    client.force_login(UserFactory(role="admin", is_staff=True, is_superuser=True))
    for path in ("/akun/profil/", "/admin/", "/admin/rounds/round/add/"):
        assert policy(client.get(path))["script-src"] == ["'self'"], path


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
INLINE_CODE = [(INLINE_SCRIPT, "inline <script>"), (EVENT_HANDLER, "on...= handler"),
               (re.compile(r"<style\b", re.I), "<style> block"), (re.compile(r"javascript:", re.I), "javascript: URL")]


def templates() -> list[Path]:
    found = sorted(REPO.glob("*/templates/**/*.html")) + sorted((REPO / "templates").glob("**/*.html"))
    return [path for path in found if ".venv" not in path.parts and "/email/" not in path.as_posix()]


def test_no_template_has_an_inline_script_or_style_block_or_event_handler():
    assert len(templates()) > 40
    offenders = []
    for path in templates():
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE_CODE:
            offenders += [f"{path.relative_to(REPO)}: {what}" for _ in pattern.finditer(text)]
    assert not offenders, offenders


def test_the_scan_finds_what_it_looks_for():
    # The patterns above are the test: they must catch each kind of inline code.
    assert INLINE_SCRIPT.search("<script>alert(1)</script>") and not INLINE_SCRIPT.search('<script src="/x.js" defer>')
    assert EVENT_HANDLER.search('<button type="button" onclick="window.print()">')
    assert not EVENT_HANDLER.search('<button type="button" data-print class="btn">')


def test_a_page_from_the_anonymous_cache_carries_the_headers_too(settings):
    settings.PAGE_CACHE_SECONDS = 30
    from django.core.cache import caches

    caches["pages"].clear()
    first, second = Client().get("/"), Client().get("/")
    assert second.content == first.content  # the second one came from the cache
    for response in (first, second):
        assert policy(response)["script-src"] == ["'self'"]
        assert "Permissions-Policy" in response.headers and "Referrer-Policy" in response.headers
