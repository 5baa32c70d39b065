"""The ballot pages as a resident uses them, without JavaScript: pick, confirm, receipt, change."""

import pytest
from django.urls import reverse

from proposals.models import Proposal, Status
from rounds.models import BallotType, Phase
from voting import services

from .conftest import make_round, project_ids, stored_ballots

pytestmark = pytest.mark.django_db


def ballot_url(area):
    return reverse("voting:ballot", args=[area.round.slug, area.pk])


def test_knapsack_vote_confirm_and_change(client, resident, kel_area):
    client.force_login(resident)
    ids = project_ids(kel_area)
    page = client.get(ballot_url(kel_area))
    assert page.status_code == 200 and b"budget-bar" in page.content
    confirm = client.post(ballot_url(kel_area), {"project": [ids[0], ids[1]]})
    assert confirm.status_code == 200 and "Periksa pilihan Anda" in confirm.content.decode()
    assert not stored_ballots(kel_area)  # nothing stored before the confirmation
    done = client.post(ballot_url(kel_area), {"project": [ids[0], ids[1]], "confirm": "1"}, follow=True)
    text = done.content.decode()
    [ballot] = stored_ballots(kel_area)
    assert "Suara Anda tersimpan" in text and ballot.receipt_code in text
    # back on the ballot, the current choices are marked; changing keeps one ballot
    again = client.get(ballot_url(kel_area)).content.decode()
    assert f'value="{ids[0]}" id="p-{ids[0]}" checked' in again and ballot.receipt_code in again
    client.post(ballot_url(kel_area), {"project": [ids[2]], "confirm": "1"})
    assert [b.choices for b in stored_ballots(kel_area)] == [[ids[2]]]
    # after a mix the voter still sees and changes their ballot, with the same receipt
    services.ballots_mix(area=kel_area, closing=True)
    again = client.get(ballot_url(kel_area)).content.decode()
    assert f'value="{ids[2]}" id="p-{ids[2]}" checked' in again and ballot.receipt_code in again
    client.post(ballot_url(kel_area), {"project": [ids[3]], "confirm": "1"})
    assert [(b.choices, b.receipt_code) for b in stored_ballots(kel_area)] == [([ids[3]], ballot.receipt_code)]


def test_over_budget_post_gets_a_message_not_a_500(client, resident, kel_area):
    client.force_login(resident)
    response = client.post(ballot_url(kel_area), {"project": project_ids(kel_area), "confirm": "1"})
    assert response.status_code == 400 and "melebihi pagu" in response.content.decode()
    assert not stored_ballots(kel_area)


@pytest.mark.parametrize(
    "data",
    [{"project": ["' OR 1=1"]}, {"project": ["9" * 40]}, {"rank_x": "1"}, {"blank": "1", "project": ["1"]}],
)
def test_tampered_posts_are_refused_cleanly(client, resident, kel_area, data):
    client.force_login(resident)
    response = client.post(ballot_url(kel_area), {**data, "confirm": "1"})
    assert response.status_code == 400 and b"alert-danger" in response.content


def test_ranked_form_duplicate_rank_message(client, resident):
    round_ = make_round(ballot_type=BallotType.RANKED, max_choices=3)
    area = round_.test_areas["kel"]
    client.force_login(resident)
    ids = project_ids(area)
    response = client.post(ballot_url(area), {f"rank_{ids[0]}": "1", f"rank_{ids[1]}": "1"})
    assert response.status_code == 400 and "Peringkat 1 diberikan pada lebih dari satu proyek" in response.content.decode()
    response = client.post(ballot_url(area), {f"rank_{ids[0]}": "2", f"rank_{ids[1]}": "1", "confirm": "1"}, follow=True)
    assert [b.choices for b in stored_ballots(area)] == [[ids[1], ids[0]]]


def test_cumulative_form(client, resident):
    round_ = make_round(ballot_type=BallotType.CUMULATIVE, points=5)
    area = round_.test_areas["kel"]
    client.force_login(resident)
    ids = project_ids(area)
    bad = client.post(ballot_url(area), {f"points_{ids[0]}": "abc"})
    assert bad.status_code == 400 and "bilangan bulat" in bad.content.decode()
    client.post(ballot_url(area), {f"points_{ids[0]}": "3", f"points_{ids[1]}": "2", "confirm": "1"})
    assert [b.choices for b in stored_ballots(area)] == [{ids[0]: 3, ids[1]: 2}]


def test_ballot_page_query_count_does_not_grow(client, resident, kel_area, django_assert_num_queries):
    client.force_login(resident)
    client.get(ballot_url(kel_area))  # warm the session and the kept ballot of the area
    # one statement: the round's phase, the participation and the own ballot (voting.selectors.
    # voter_state); the area, its projects and closing time are kept (voting.ballot_cache); the
    # session, the user and the unread count come from the shared cache (accounts.caching; a
    # resident's Django model permissions are not looked up: accounts.backends)
    with django_assert_num_queries(1):
        client.get(ballot_url(kel_area))
    for n in range(20):
        Proposal.objects.create(
            round=kel_area.round, area=kel_area, category_id=Proposal.objects.first().category_id,
            title=f"Tambahan {n}", description="x", estimated_cost=1_000_000, status=Status.FEASIBLE,
        )
    # the projects changed: the area with its round, the closing time, the projects and their
    # photos are read afresh, then kept again
    with django_assert_num_queries(5):
        response = client.get(ballot_url(kel_area))
    assert len(response.content) < 100_000 and response.content.decode().count('class="card mb-2 ballot-item"') == 25
    with django_assert_num_queries(1):
        client.get(ballot_url(kel_area))


def test_ineligible_resident_sees_why_with_403(client, voting_round, resident):
    client.force_login(resident)
    response = client.get(ballot_url(voting_round.test_areas["other"]))
    assert response.status_code == 403 and "tidak terdaftar sebagai warga" in response.content.decode()


def test_anonymous_goes_to_login_and_bad_ids_are_404(client, resident, kel_area):
    assert client.get(ballot_url(kel_area)).status_code == 302
    client.force_login(resident)
    assert client.get(reverse("voting:ballot", args=[kel_area.round.slug, 999999])).status_code == 404
    assert client.get(reverse("voting:ballot", args=["tidak-ada", kel_area.pk])).status_code == 404


def test_index_lists_the_residents_areas(client, resident, voting_round):
    client.force_login(resident)
    text = client.get(reverse("voting:index")).content.decode()
    for key in ("kel", "kec", "kota"):
        assert ballot_url(voting_round.test_areas[key]) in text
    assert ballot_url(voting_round.test_areas["other"]) not in text


def test_paper_ballot_page(client, moderator, resident, kel_area, voting_round):
    from tests.factories import make_nik

    url = reverse("voting:paper", args=[voting_round.slug, kel_area.pk])
    client.force_login(resident)
    assert client.get(url).status_code == 403
    client.force_login(moderator)
    assert client.get(url).status_code == 200
    assert client.get(reverse("voting:paper", args=[voting_round.slug, voting_round.test_areas["other"].pk])).status_code == 403
    ids = project_ids(kel_area)
    response = client.post(url, {"nik": make_nik(), "project": [ids[0]]}, follow=True)
    assert "Surat suara kertas tercatat" in response.content.decode()
    bad = client.post(url, {"nik": "12345", "project": [ids[0]]})
    assert bad.status_code == 400 and "NIK tidak valid" in bad.content.decode()


def test_tally_pages_permissions(client, resident, admin_user, council_user, voting_round):
    url = reverse("voting:tally", args=[voting_round.slug])
    start = reverse("voting:tally_start", args=[voting_round.slug])
    client.force_login(resident)
    assert client.get(url).status_code == 403
    client.force_login(council_user)
    assert client.get(url).status_code == 200
    assert client.post(start, {"rule": "greedy"}).status_code == 403
    client.force_login(admin_user)
    # voting phase: no tally yet
    assert client.post(start, {"rule": "greedy"}).status_code == 403
    voting_round.phase = Phase.TALLYING
    voting_round.save()
    assert client.get(url).status_code == 200
    assert client.get(start).status_code == 405


def test_an_unverified_resident_is_told_to_verify_her_residence_not_to_vote(client, voting_round):
    """The demo's Rina Lestari (Gunung Bahagia, residence not verified) was offered 'Pilih sekarang'
    for three areas whose ballot then refused her. The list now says what she must do first and
    links to where she does it; a verified neighbour is still offered the ballot."""
    from accounts.demo import seed_users

    users = seed_users()
    client.force_login(users["warga3@demo.local"])
    text = client.get(reverse("voting:index")).content.decode()
    assert "Pilih sekarang" not in text
    assert text.count("Verifikasi domisili dulu") == 3
    assert text.count(f'href="{reverse("accounts:profile")}#id_code"') == 3
    for key in ("kel", "kec", "kota"):
        assert ballot_url(voting_round.test_areas[key]) not in text
    client.force_login(users["warga@demo.local"])
    text = client.get(reverse("voting:index")).content.decode()
    assert text.count("Pilih sekarang") == 3 and "Verifikasi domisili dulu" not in text
    for key in ("kel", "kec", "kota"):
        assert ballot_url(voting_round.test_areas[key]) in text


def test_a_round_without_the_residence_rule_offers_her_the_ballot(client):
    from accounts.demo import seed_users

    round_ = make_round(slug="ap-open", requires_verified_residence=False)
    client.force_login(seed_users()["warga3@demo.local"])
    text = client.get(reverse("voting:index")).content.decode()
    assert "Verifikasi domisili dulu" not in text and ballot_url(round_.test_areas["kel"]) in text


def test_the_refusal_names_her_kelurahans_lpm(client, voting_round):
    from accounts.demo import seed_users

    client.force_login(seed_users()["warga3@demo.local"])
    page = client.get(ballot_url(voting_round.test_areas["kel"]))
    assert page.status_code == 403
    assert "LPM Kelurahan Gunung Bahagia" in page.content.decode()
