"""Casting ballots: validation per ballot type, eligibility, paper ballots and de-duplication."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.nik import VOTING_AGE
from rounds.models import BallotType, Phase
from tests.factories import UserFactory, make_nik
from voting import services
from voting.models import Ballot, Channel, Participation, PendingBallot

from .conftest import BATU_AMPAR, make_round, project_ids, resident_with_nik, stored_ballots

pytestmark = pytest.mark.django_db


def cast(user, area, choices, blank=False):
    return services.ballot_cast(voter=user, area=area, choices=choices, blank=blank)


def refusal(user, area, choices, blank=False) -> str:
    with pytest.raises(ValidationError) as error:
        cast(user, area, choices, blank)
    assert not stored_ballots(area)
    return " ".join(error.value.messages)


# --- validation per type ---------------------------------------------------------------------


def test_knapsack_ballot_within_budget_is_stored_sorted(resident, kel_area):
    ids = project_ids(kel_area)  # costs 80, 120, 250, 300, 450 million; budget 1,000 million
    ballot = cast(resident, kel_area, [ids[4], ids[0], ids[1]])
    assert ballot.choices == sorted([ids[4], ids[0], ids[1]])
    assert len(ballot.receipt_code) == 14


def test_knapsack_over_budget_is_refused_with_the_amounts(resident, kel_area):
    ids = project_ids(kel_area)
    message = refusal(resident, kel_area, ids)  # 1.2 billion
    assert "melebihi pagu" in message and "Rp1.200.000.000" in message and "Rp1.000.000.000" in message


def test_approval_too_many_picks(resident):
    round_ = make_round(ballot_type=BallotType.APPROVAL, max_choices=2)
    area = round_.test_areas["kel"]
    assert "paling banyak 2" in refusal(resident, area, project_ids(area)[:3])
    assert cast(resident, area, project_ids(area)[:2]).choices


def test_duplicate_pick_refused(resident, kel_area):
    ids = project_ids(kel_area)
    assert "satu kali" in refusal(resident, kel_area, [ids[0], ids[0]])


def test_ranked_duplicate_and_too_many(resident):
    round_ = make_round(ballot_type=BallotType.RANKED, max_choices=3)
    area = round_.test_areas["kel"]
    ids = project_ids(area)
    assert "satu peringkat" in refusal(resident, area, [ids[0], ids[1], ids[0]])
    assert "paling banyak 3" in refusal(resident, area, ids[:4])
    ballot = cast(resident, area, [ids[2], ids[0], ids[1]])
    assert ballot.choices == [ids[2], ids[0], ids[1]]  # order kept


def test_cumulative_points_over_limit_or_negative(resident):
    round_ = make_round(ballot_type=BallotType.CUMULATIVE, points=10)
    area = round_.test_areas["kel"]
    ids = project_ids(area)
    assert "paling banyak 10" in refusal(resident, area, {ids[0]: 6, ids[1]: 5})
    assert "negatif" in refusal(resident, area, {ids[0]: 12, ids[1]: -2})
    assert "bilangan bulat" in refusal(resident, area, {ids[0]: "3"})
    assert cast(resident, area, {ids[0]: 6, ids[1]: 4, ids[2]: 0}).choices == {ids[0]: 6, ids[1]: 4}


def test_project_of_another_area_refused(resident, voting_round, kel_area):
    foreign = project_ids(voting_round.test_areas["other"])[0]
    assert "wilayah lain" in refusal(resident, kel_area, [foreign])


def test_project_not_on_the_ballot_refused(resident, kel_area):
    from proposals.models import Proposal, Status

    rejected = Proposal.objects.get(area=kel_area, status=Status.REJECTED)
    assert "tidak ada di surat suara" in refusal(resident, kel_area, [str(rejected.pk)])
    assert "tidak ada di surat suara" in refusal(resident, kel_area, ["99999999"])
    assert "tidak terbaca" in refusal(resident, kel_area, {"x": 1})


def test_empty_ballot_needs_the_blank_flag(resident, kel_area):
    assert "belum memilih" in refusal(resident, kel_area, [])
    assert "kosong" in refusal(resident, kel_area, project_ids(kel_area)[:1], blank=True)
    ballot = cast(resident, kel_area, [], blank=True)
    assert ballot.blank and ballot.choices == []


# --- eligibility -----------------------------------------------------------------------------


def test_eligible_resident(resident, kel_area, voting_round):
    for key in ("kel", "kec", "kota"):
        assert services.voter_eligibility(user=resident, area=voting_round.test_areas[key]) == (True, "")


def test_not_registered(kel_area):
    from django.contrib.auth.models import AnonymousUser

    ok, reason = services.voter_eligibility(user=AnonymousUser(), area=kel_area)
    assert not ok and "terdaftar" in reason
    no_nik = UserFactory(nik_hash=None)
    assert "terdaftar" in services.voter_eligibility(user=no_nik, area=kel_area)[1]


def test_under_17(kel_area):
    today = dt.date.today()
    young = UserFactory(birth_date=today.replace(year=today.year - VOTING_AGE + 1))
    ok, reason = services.voter_eligibility(user=young, area=kel_area)
    assert not ok and "17 tahun" in reason


def test_not_a_resident_of_the_area(voting_round):
    from wilayah.models import Kelurahan

    outsider = UserFactory(kelurahan=Kelurahan.objects.get(code=BATU_AMPAR))
    ok, reason = services.voter_eligibility(user=outsider, area=voting_round.test_areas["kel"])
    assert not ok and "bukan" not in reason and "tidak terdaftar sebagai warga" in reason
    # ...but Batu Ampar is in the city, so the city ballot is theirs
    assert services.voter_eligibility(user=outsider, area=voting_round.test_areas["kota"])[0]


def test_residence_not_verified_when_required(db):
    round_ = make_round(requires_verified_residence=True)
    unverified = UserFactory(residence_verified_at=None)
    ok, reason = services.voter_eligibility(user=unverified, area=round_.test_areas["kel"])
    assert not ok and "Domisili Anda belum diverifikasi" in reason


@pytest.mark.parametrize("phase", [Phase.REVIEW, Phase.TALLYING, Phase.RESULTS])
def test_voting_phase_not_active(resident, phase):
    round_ = make_round(phase=phase)
    ok, reason = services.voter_eligibility(user=resident, area=round_.test_areas["kel"])
    assert not ok and "tidak berlangsung" in reason
    with pytest.raises(ValidationError):
        cast(resident, round_.test_areas["kel"], project_ids(round_.test_areas["kel"])[:1])


# --- changing a ballot -----------------------------------------------------------------------


def test_changing_a_ballot_keeps_one_row_and_its_receipt(resident, kel_area):
    ids = project_ids(kel_area)
    first = cast(resident, kel_area, [ids[0]])
    second = cast(resident, kel_area, [ids[1], ids[2]])
    assert [b.choices for b in stored_ballots(kel_area)] == [sorted([ids[1], ids[2]])]
    assert Participation.objects.filter(area=kel_area).count() == 1
    assert second.receipt_code == first.receipt_code
    # once mixed, a change takes the mixed ballot out (never an UPDATE) and waits for the next mix
    services.ballots_mix(area=kel_area, closing=True)
    assert Ballot.objects.get().choices == sorted([ids[1], ids[2]]) and not PendingBallot.objects.exists()
    third = cast(resident, kel_area, [ids[3]])
    assert not Ballot.objects.exists() and third.receipt_code == first.receipt_code
    assert services.ballots_mix(area=kel_area, closing=True) == 1
    assert list(Ballot.objects.values_list("choices", "receipt_code")) == [([ids[3]], first.receipt_code)]


# --- paper ballots ---------------------------------------------------------------------------


def test_paper_ballot_for_unregistered_resident(moderator, kel_area):
    nik = make_nik(birth=dt.date(1975, 3, 2), female=True)
    ballot = services.paper_ballot_enter(moderator=moderator, nik=nik, area=kel_area, choices=project_ids(kel_area)[:2])
    participation = Participation.objects.get(area=kel_area)
    assert participation.channel == Channel.PAPER and participation.user is None
    assert participation.gender == "P" and participation.age_band == "45-54"
    assert participation.entered_by == moderator
    assert stored_ballots(kel_area) == [ballot]


def test_paper_after_online_is_refused(moderator, kel_area):
    user, nik = resident_with_nik()
    cast(user, kel_area, project_ids(kel_area)[:1])
    with pytest.raises(ValidationError, match="sudah memilih secara daring"):
        services.paper_ballot_enter(moderator=moderator, nik=nik, area=kel_area, choices=project_ids(kel_area)[1:2])
    assert len(stored_ballots(kel_area)) == 1 and Participation.objects.get().channel == Channel.ONLINE


def test_online_after_paper_is_refused(moderator, kel_area):
    user, nik = resident_with_nik()
    services.paper_ballot_enter(moderator=moderator, nik=nik, area=kel_area, choices=project_ids(kel_area)[:1])
    with pytest.raises(ValidationError, match="surat suara kertas"):
        cast(user, kel_area, project_ids(kel_area)[1:2])
    assert len(stored_ballots(kel_area)) == 1 and Participation.objects.get().channel == Channel.PAPER


def test_second_paper_ballot_for_the_same_nik_is_refused(moderator, kel_area):
    nik = make_nik()
    services.paper_ballot_enter(moderator=moderator, nik=nik, area=kel_area, choices=project_ids(kel_area)[:1])
    with pytest.raises(ValidationError, match="sudah dicatat"):
        services.paper_ballot_enter(moderator=moderator, nik=nik[:4] + " " + nik[4:], area=kel_area, choices=[], blank=True)


def test_paper_ballot_refusals(moderator, voting_round, kel_area):
    with pytest.raises(ValidationError, match="NIK tidak valid"):
        services.paper_ballot_enter(moderator=moderator, nik="1234", area=kel_area, choices=[], blank=True)
    today = dt.date.today()
    with pytest.raises(ValidationError, match="belum berusia 17"):
        services.paper_ballot_enter(
            moderator=moderator, nik=make_nik(birth=today.replace(year=today.year - 10)), area=kel_area, choices=[], blank=True
        )
    outsider, nik = resident_with_nik(kelurahan_code=BATU_AMPAR)
    with pytest.raises(ValidationError, match="kelurahan lain"):
        services.paper_ballot_enter(moderator=moderator, nik=nik, area=kel_area, choices=[], blank=True)
    # a moderator of Gunung Bahagia cannot enter ballots for Batu Ampar, nor can a resident
    with pytest.raises(PermissionDenied):
        services.paper_ballot_enter(moderator=moderator, nik=make_nik(), area=voting_round.test_areas["other"], choices=[], blank=True)
    with pytest.raises(PermissionDenied):
        services.paper_ballot_enter(moderator=outsider, nik=make_nik(), area=kel_area, choices=[], blank=True)
    assert not Ballot.objects.exists() and not PendingBallot.objects.exists()
