"""Open data: nothing personal in any export, and the .pb file recounts to the published winners."""

import re

import pytest
from django.urls import reverse
from pabutools.election import Cost_Sat, parse_pabulib
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

from rounds.models import BallotType, TallyRule
from tests.voting.tally.pabutools_bridge import our_tie_breaking
from voting.models import Ballot

from .conftest import build_round

pytestmark = pytest.mark.django_db


def export_urls(built) -> list[str]:
    slug, code = built.round.slug, built.area.code
    return [
        reverse("dashboard:area_csv", args=[slug, code]),
        reverse("dashboard:area_json", args=[slug, code]),
        reverse("dashboard:area_pb", args=[slug, code]),
        reverse("dashboard:round_csv", args=[slug]),
        reverse("dashboard:round_json", args=[slug]),
        reverse("dashboard:council_turnout_csv") + f"?putaran={slug}",
        reverse("dashboard:area_results", args=[slug, code]),
        reverse("dashboard:area_print", args=[slug, code]),
        reverse("dashboard:council") + f"?putaran={slug}",
        reverse("dashboard:open_data"),
    ]


def test_no_export_contains_a_nik_name_email_or_phone(client, db):
    built = build_round(slug="ap-privacy", voters=30, real_people=True)
    from accounts.models import Role
    from tests.factories import UserFactory

    client.force_login(UserFactory(role=Role.COUNCIL, full_name="Anggota Dewan Penguji"))
    user_ids = {str(user.pk) for user, _nik in built.people}
    bodies = {}
    for url in export_urls(built):
        response = client.get(url)
        assert response.status_code == 200, url
        bodies[url] = response.content
    for url, body in bodies.items():
        text = body.decode("utf-8")
        for user, nik in built.people:
            for secret in (user.full_name, user.email, user.phone, user.phone.lstrip("+"), user.nik_hash, nik,
                           nik[-4:] + nik[:6]):
                assert secret.encode() not in body, f"{secret!r} found in {url}"
        # NIKs are 16 digits: no run of 16 digits anywhere, and no voter key (64 hex) of any ballot
        assert not re.search(r"(?<!\d)\d{16}(?!\d)", text), url
        for key in Ballot.objects.filter(round=built.round).values_list("voter_key", flat=True):
            assert key not in text
    pb = bodies[export_urls(built)[2]].decode()
    votes = pb.split("VOTES\n", 1)[1].splitlines()
    assert votes[0] == "voter_id;vote"
    receipts = set(Ballot.objects.filter(area=built.area).values_list("receipt_code", flat=True))
    assert {line.split(";")[0] for line in votes[1:]} == receipts
    assert not user_ids & {line.split(";")[0] for line in votes[1:]}


def _recount(pb_text: str, tmp_path, rule: str) -> set[str]:
    path = tmp_path / "hasil.pb"
    path.write_text(pb_text, encoding="utf-8")
    instance, profile = parse_pabulib(str(path))
    supporters = {p.name: 0 for p in instance}
    for ballot in profile:
        for project in ballot:
            supporters[project.name] += 1
    if rule == TallyRule.GREEDY:
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat, tie_breaking=our_tie_breaking(supporters))
    else:
        outcome = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=1,
                                         tie_breaking=our_tie_breaking(supporters))
    return {p.name for p in outcome}


@pytest.mark.parametrize("ballot_type,rule", [
    (BallotType.APPROVAL, TallyRule.GREEDY),
    (BallotType.KNAPSACK, TallyRule.GREEDY),
    (BallotType.APPROVAL, TallyRule.MES),
])
def test_the_pb_file_recounts_to_the_published_winners(client, tmp_path, ballot_type, rule):
    built = build_round(slug=f"ap-{ballot_type}-{rule}", projects=7, voters=120, ballot_type=ballot_type, rule=rule, seed=11)
    response = client.get(reverse("dashboard:area_pb", args=[built.round.slug, built.area.code]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    winners = _recount(response.content.decode(), tmp_path, rule)
    assert winners == set(built.snapshot.result["selected"])
    assert winners, "the demo election funds something"


def test_the_pb_file_keeps_blank_ballots_as_voters(client, tmp_path, db):
    built = build_round(slug="ap-blank", projects=3, voters=20, seed=2)
    Ballot.objects.filter(area=built.area).exclude(blank=True).filter(pk__in=list(
        Ballot.objects.filter(area=built.area).values_list("pk", flat=True)[:2])).update(choices=[], blank=True)
    text = client.get(reverse("dashboard:area_pb", args=[built.round.slug, built.area.code])).content.decode()
    path = tmp_path / "b.pb"
    path.write_text(text)
    _instance, profile = parse_pabulib(str(path))
    assert len(profile) == Ballot.objects.filter(area=built.area).count()


def test_open_data_page_links_every_file_and_describes_fields(client, published):
    html = client.get(reverse("dashboard:open_data")).content.decode()
    slug, code = published.round.slug, published.area.code
    for name in ["dashboard:area_csv", "dashboard:area_json", "dashboard:area_pb"]:
        assert reverse(name, args=[slug, code]) in html
    for field in ["project_id", "voter_id", "reason_en", "input_hash", "ballots_by_channel"]:
        assert field in html
