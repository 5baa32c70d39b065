"""Every parameter of every route, filled with junk, as a visitor and as a superuser: never a 500.

The routes come from the URL resolver itself (the English /en/ copies included), so a route
added later is attacked too. Each parameter in turn gets a NUL byte, an over-long value and
wrong-shaped values while the others keep values that exist, so the junk reaches as deep as a
real request would (e.g. /hasil/<existing round>/<junk>/)."""

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import LocalePrefixPattern, RegexPattern

from accounts.models import Role
from tests.dashboard.conftest import GUNUNG_BAHAGIA, build_round
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

JUNK = ["\x00", "a\x00b", "a" * 5000, "9" * 5000, "-1", "é", "'\"><", "0" * 80, "%", "１２"]


def routes(patterns=None, prefix: str = "") -> Iterator[str]:
    """Every route as text, parameters written as <name>: path() patterns keep their own
    spelling, regex groups are turned into <name>."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        pattern = entry.pattern
        if isinstance(pattern, LocalePrefixPattern):
            text = ""
        elif isinstance(pattern, RegexPattern):
            text = _regex_route(pattern._regex)
        else:
            text = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", str(pattern))
        if isinstance(entry, URLResolver):
            yield from routes(entry.url_patterns, prefix + text)
        elif isinstance(entry, URLPattern):
            yield prefix + text


def _regex_route(regex: str) -> str:
    """'^(?P<app_label>auth|rounds)/$' -> '<app_label>/'; a group's body may nest brackets."""
    out, i = [], 0
    while i < len(regex):
        if regex.startswith("(?P<", i):
            name = regex[i + 4:regex.index(">", i)]
            depth, j = 0, i
            while True:
                depth += {"(": 1, ")": -1}.get(regex[j], 0)
                if depth == 0:
                    break
                j += 1 + (regex[j] == "\\")
            out.append(f"<{name}>")
            i = j + 1
        else:
            out.append(regex[i])
            i += 1
    return "".join(out).lstrip("^").rstrip("$").replace("\\", "")


@pytest.fixture
def valid(db) -> dict[str, str]:
    """A value that exists for each parameter name, so the junk in one parameter is looked up."""
    built = build_round(slug="ap-2026")
    proposal = built.proposals[0]
    return {
        "slug": built.round.slug, "round_slug": built.round.slug, "area_code": GUNUNG_BAHAGIA,
        "area_id": str(built.area.pk), "snapshot_id": str(built.snapshot.pk), "pk": str(proposal.pk),
        "id": "1", "object_id": "1", "content_type_id": "1", "app_label": "rounds", "url": "rounds/round/",
        "token": "abc", "uidb64": "MQ", "level": "kelurahan", "code": GUNUNG_BAHAGIA,
        "proposal_id": str(proposal.pk),
    }


def attacks(valid: dict[str, str]) -> Iterator[str]:
    for route in sorted(set(routes())):
        names = re.findall(r"<(\w+)>", route)
        for bad_name in names:
            for n, junk in enumerate(JUNK):
                path = route
                for name in names:
                    value = junk if name == bad_name else valid[name]
                    path = path.replace(f"<{name}>", quote(value, safe=""), 1)
                # Each value in one of the two languages (both would double a long test for
                # little): the NUL variants come first, so each language gets one.
                yield f"/{('', 'en/')[n % 2]}{path}"


def test_every_route_has_a_known_parameter(valid):
    unknown = {name for route in routes() for name in re.findall(r"<(\w+)>", route)} - set(valid)
    assert not unknown, f"new URL parameters: give them a valid value here: {unknown}"
    assert "hasil/<slug>/<area_code>/" in set(routes())


@pytest.mark.parametrize("who", ["visitor", "superuser"])
def test_junk_in_any_url_parameter_never_answers_500(valid, who):
    client = Client()
    if who == "superuser":
        client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True))
    failures, tried = [], 0
    for path in attacks(valid):
        for method in (client.get, client.post):
            tried += 1
            try:
                with transaction.atomic():  # a database error must not poison the next request
                    status = method(path).status_code
            except Exception as error:  # the test client re-raises what a view raised: a 500
                status = f"{type(error).__name__}: {str(error)[:80]}"
            if not isinstance(status, int) or status >= 500:
                failures.append(f"{method.__name__.upper()} {path[:120]} -> {status}")
    assert tried > 1000
    assert not failures, f"{len(failures)} of {tried}:\n" + "\n".join(failures[:40])


def test_a_nul_in_an_area_code_is_a_404_and_imported_unit_names_still_resolve(valid):
    client = Client()
    assert client.get("/hasil/ap-2026/%00/").status_code == 400  # RejectNulMiddleware, before the resolver
    assert client.get("/hasil/ap-2026/a%01b/").status_code == 404  # the area converter
    assert client.get("/hasil/ap-2026/" + "6" * 65 + "/").status_code == 404
    assert client.get(f"/hasil/ap-2026/{GUNUNG_BAHAGIA}/").status_code == 200
    # A round imported from pabulib names its area by the instance's unit, any letter.
    assert reverse("dashboard:area_results", args=["ap-2026", "Łódź"]).endswith("/%C5%81%C3%B3d%C5%BA/")
    assert client.get(reverse("dashboard:area_results", args=["ap-2026", "Łódź"])).status_code == 404


@pytest.mark.parametrize("path", ["/usulan/?q=%00", "/admin/rounds/round/?q=a%00b", "/admin/wilayah/kecamatan/%00/change/",
                                  "/en/dewan/?kecamatan=%00"])
def test_a_nul_in_a_query_string_or_an_admin_path_is_a_clear_400(path):
    client = Client()
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True))
    response = client.get(path)
    assert response.status_code == 400
    text = response.content.decode()
    assert '<p class="display-4 text-muted">400</p>' in text  # the portal's page, not Django's bare one
    if not path.startswith("/en/"):
        assert "Permintaan tidak sah" in text
