"""The public results pages: ranked projects with reasons, charts, exports; only published results."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rounds.models import Phase
from voting.models import ResultSnapshot

from .conftest import build_round

pytestmark = pytest.mark.django_db


def area_url(built, name="dashboard:area_results"):
    return reverse(name, args=[built.round.slug, built.area.code])


def test_area_page_ranks_every_project_with_votes_cost_and_reason(client, published):
    response = client.get(area_url(published))
    assert response.status_code == 200
    html = response.content.decode()
    result = published.snapshot.result
    ranked = sorted(result["projects"], key=lambda p: p["rank"])
    positions = []
    for project in ranked:
        proposal = next(p for p in published.proposals if str(p.pk) == project["id"])
        assert proposal.title in html
        positions.append(html.index(proposal.title))
        assert project["reason_id"] in html
    assert positions == sorted(positions), "projects appear in rank order"
    assert "<svg" in html and "Rp1.000.000.000" in html  # chart/gauge and the pagu as rupiah
    assert "Didanai" in html and "Tidak didanai" in html


def test_area_page_in_english_shows_the_english_reason(client, published):
    response = client.get("/en" + area_url(published))
    assert response.status_code == 200
    html = response.content.decode()
    project = published.snapshot.result["projects"][0]
    assert project["reason_en"] in html
    assert project["reason_id"] not in html


def test_unpublished_results_are_not_public(client, db):
    built = build_round(publish=False)
    assert client.get(area_url(built)).status_code == 404
    assert client.get(area_url(built, "dashboard:area_pb")).status_code == 404
    assert client.get(area_url(built, "dashboard:area_csv")).status_code == 404
    assert client.get(reverse("dashboard:round_csv", args=[built.round.slug])).status_code == 404
    page = client.get(reverse("dashboard:round_results", args=[built.round.slug]))
    assert page.status_code == 200 and "belum diumumkan" in page.content.decode()


def test_unknown_round_or_area_is_a_clear_404(client, published):
    assert client.get(reverse("dashboard:round_results", args=["tidak-ada"])).status_code == 404
    assert client.get(reverse("dashboard:area_results", args=[published.round.slug, "99.99"])).status_code == 404
    assert client.get(reverse("dashboard:area_print", args=[published.round.slug, "<script>"])).status_code == 404
    published.round.phase = Phase.DRAFT
    published.round.save()
    assert client.get(area_url(published)).status_code == 404


def test_the_latest_published_snapshot_is_the_one_shown(client, published):
    other = published.snapshot
    other.pk = None
    other.rule = "mes"
    other.result = {**other.result, "projects": [], "selected": []}
    other.published_at = None
    other.save()
    response = client.get(area_url(published))
    assert published.proposals[0].title in response.content.decode()  # the unpublished one never shows


def test_print_version_is_a_berita_acara_for_a4(client, published):
    response = client.get(area_url(published, "dashboard:area_print"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Berita Acara" in html and published.snapshot.input_hash in html
    assert "dashboard/dashboard.css" in html
    from django.contrib.staticfiles import finders

    css = open(finders.find("dashboard/dashboard.css")).read()
    assert "@page" in css and "size: A4" in css


def test_round_page_lists_areas_and_links_published_ones(client, published):
    response = client.get(reverse("dashboard:round_results", args=[published.round.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert area_url(published) in html
    assert published.other_area.name in html


def test_json_and_csv_exports_carry_the_published_result(client, published):
    data = json.loads(client.get(area_url(published, "dashboard:area_json")).content)
    area = data["areas"][0]
    assert area["selected"] == published.snapshot.result["selected"]
    assert area["budget_used"] == published.snapshot.result["budget_used"]
    csv_text = client.get(area_url(published, "dashboard:area_csv")).content.decode()
    assert csv_text.splitlines()[0].startswith("round,area_code,area_name,rule,rank,project_id")
    assert len(csv_text.strip().splitlines()) == 1 + len(published.proposals)


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["dashboard:area_results", "dashboard:area_print", "dashboard:area_csv",
                                  "dashboard:area_json", "dashboard:area_pb"])
def test_results_pages_run_a_fixed_number_of_queries(client, django_assert_num_queries, name):
    small = build_round(slug="ap-small", projects=3, voters=12)
    large = build_round(slug="ap-large", projects=7, voters=400, seed=3)
    expected = _count(client, area_url(small, name))
    with django_assert_num_queries(expected):
        client.get(area_url(large, name))


def test_round_pages_run_a_fixed_number_of_queries(client, django_assert_num_queries):
    small = build_round(slug="ap-small", projects=3, voters=12)
    large = build_round(slug="ap-large", projects=7, voters=400, seed=3)
    for name in ["dashboard:round_results", "dashboard:round_csv", "dashboard:round_json", "dashboard:round_projects"]:
        expected = _count(client, reverse(name, args=[small.round.slug]))
        with django_assert_num_queries(expected):
            client.get(reverse(name, args=[large.round.slug]))
    expected = _count(client, reverse("dashboard:open_data"))
    build_round(slug="ap-more", projects=6, voters=50, seed=5)
    with django_assert_num_queries(expected):
        client.get(reverse("dashboard:open_data"))


def test_snapshot_results_never_change_through_the_pages(client, published):
    before = ResultSnapshot.objects.get(pk=published.snapshot.pk).result
    client.get(area_url(published))
    assert ResultSnapshot.objects.get(pk=published.snapshot.pk).result == before
