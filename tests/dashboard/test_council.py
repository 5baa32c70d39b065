"""The council dashboard: priorities by kecamatan and category, budgets, turnout, earlier rounds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals.models import Proposal, Status, Support
from tests.factories import UserFactory
from voting.models import Ballot

from .conftest import build_round

pytestmark = pytest.mark.django_db
URL = reverse("dashboard:council")


def test_council_sees_what_balikpapan_utara_asked_for_most_and_what_was_funded(client, council_user):
    # Muara Rapak is in Balikpapan Utara; Gunung Bahagia (the other area) in Balikpapan Selatan
    built = build_round(slug="ap-utara", voters=60, kelurahan="64.71.03.1004", other_kelurahan="64.71.05.1006")
    client.force_login(council_user)
    response = client.get(URL, {"putaran": "ap-utara", "kecamatan": "64.71.03"})
    assert response.status_code == 200
    data = response.context["data"]
    assert data["kecamatan"].name.endswith("Utara")
    # only Muara Rapak's projects, not Gunung Bahagia's
    titles = {item.proposal.title for item in data["priorities"]}
    assert titles == {p.title for p in built.proposals}
    top = data["categories"][0]
    assert top.proposals == max(c.proposals for c in data["categories"])
    funded = {item.proposal.pk for item in data["priorities"] if item.selected}
    assert {str(pk) for pk in funded} == set(built.snapshot.result["selected"])
    assert data["used_total"] == built.snapshot.result["budget_used"]
    html = response.content.decode()
    assert "Apa yang paling banyak diusulkan" in html and "Lampu jalan Gunung Bahagia" not in html


def test_priorities_are_ranked_by_share_of_voters(client, council_user):
    build_round(slug="ap-rank", voters=50)
    client.force_login(council_user)
    priorities = client.get(URL, {"putaran": "ap-rank"}).context["data"]["priorities"]
    shares = [p.share for p in priorities if p.share is not None]
    assert shares == sorted(shares, reverse=True)


def test_category_filter_and_comparison_with_earlier_rounds(client, council_user):
    build_round(slug="ap-2025", year=2025, voters=30)
    build_round(slug="ap-2026", year=2026, voters=45, seed=9)
    client.force_login(council_user)
    response = client.get(URL, {"putaran": "ap-2026", "kategori": "drainase"})
    data = response.context["data"]
    assert {item.proposal.category_id for item in data["priorities"]} == {"drainase"}
    comparison = {line["round"].slug: line for line in data["comparison"]}
    assert set(comparison) == {"ap-2025", "ap-2026"}
    assert comparison["ap-2025"]["voters"].display == "30" and comparison["ap-2026"]["voters"].display == "45"


def test_unknown_filters_are_404_not_500(client, council_user):
    client.force_login(council_user)
    build_round(slug="ap-f")
    assert client.get(URL, {"putaran": "tidak-ada"}).status_code == 404
    assert client.get(URL, {"kecamatan": "99"}).status_code == 404
    assert client.get(URL, {"kategori": "<b>"}).status_code == 404


def test_without_results_the_dashboard_still_answers(client, council_user):
    built = build_round(slug="ap-open", publish=False)
    Support.objects.create(proposal=built.proposals[0], user=UserFactory())
    client.force_login(council_user)
    response = client.get(URL, {"putaran": "ap-open"})
    assert response.status_code == 200
    assert response.context["data"]["priorities"][0].proposal == built.proposals[0]


def test_council_never_sees_individual_ballots(client, council_user):
    built = build_round(slug="ap-secret", voters=20)
    client.force_login(council_user)
    html = client.get(URL, {"putaran": "ap-secret"}).content.decode()
    for receipt, key in Ballot.objects.filter(round=built.round).values_list("receipt_code", "voter_key"):
        assert receipt not in html and key not in html


def _count(client, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("params", [{}, {"kecamatan": "64.71.05"}, {"kategori": "jalan-jembatan"}])
def test_dashboard_runs_a_fixed_number_of_queries(client, council_user, django_assert_num_queries, params):
    client.force_login(council_user)
    small = build_round(slug="ap-small", projects=3, voters=12)
    client.get(URL, {"putaran": small.round.slug, **params})  # the first page after signing in caches the user
    expected = _count(client, {"putaran": small.round.slug, **params})
    large = build_round(slug="ap-large", projects=7, voters=500, seed=4)
    for proposal in large.proposals[:3]:
        for _ in range(3):
            Support.objects.create(proposal=proposal, user=UserFactory())
    Proposal.objects.filter(pk=large.proposals[0].pk).update(status=Status.SELECTED)
    with django_assert_num_queries(expected):
        client.get(URL, {"putaran": large.round.slug, **params})
