"""Carry-over: a feasible-but-unfunded usulan goes on in the next round as the same record."""

import pytest
from django.urls import reverse

from accounts.models import Role
from musrenbang.models import CarryOver, JourneyStep, Recommendation, Stage
from musrenbang.services import JourneyError, journey_step_record, proposal_carry_over
from proposals.models import Follow, Status, StatusChange, Support
from tests.factories import AreaFactory, ProposalFactory, RoundFactory, UserFactory, _kelurahan

pytestmark = pytest.mark.django_db


@pytest.fixture
def rounds():
    old = RoundFactory(phase="results", year=2026, name="Anggaran Partisipatif 2026")
    new = RoundFactory(phase="submission", year=2027, name="Anggaran Partisipatif 2027")
    old_area, new_area = AreaFactory(round=old), AreaFactory(round=new)
    proposal = ProposalFactory(area=old_area, status=Status.NOT_SELECTED, final_cost=180_000_000)
    supporters = UserFactory.create_batch(3)
    for user in supporters:
        Support.objects.create(proposal=proposal, user=user)
    Follow.objects.create(proposal=proposal, user=supporters[0])
    StatusChange.objects.create(proposal=proposal, from_status="feasible", to_status="not_selected",
                                reason="Suara tidak cukup.")
    journey_step_record(proposal=proposal, stage=Stage.RT_RW, recommendation=Recommendation.ACCEPTED,
                        reason="Disepakati RW 03", actor=None)
    return old, new, new_area, proposal


def test_carry_over_keeps_supporters_followers_and_history(rounds):
    old, new, new_area, proposal = rounds
    carry = proposal_carry_over(proposal=proposal, to_round=new, actor=proposal.proposer)
    proposal.refresh_from_db()
    assert (proposal.round, proposal.area, proposal.status) == (new, new_area, Status.FEASIBLE)
    assert proposal.final_cost == 180_000_000
    assert Support.objects.filter(proposal=proposal).count() == 3
    assert Follow.objects.filter(proposal=proposal).count() == 1
    history = list(proposal.status_changes.values_list("to_status", flat=True))
    assert history[-2:] == ["not_selected", "feasible"]
    assert "Usulan 2026, dilanjutkan" in proposal.status_changes.last().reason
    assert JourneyStep.objects.filter(proposal=proposal, round=old).count() == 1  # the journey so far stays
    assert (carry.from_round, carry.to_round, carry.from_status) == (old, new, Status.NOT_SELECTED)


def test_a_carried_usulan_cannot_be_carried_twice_into_the_same_round(rounds):
    _old, new, _area, proposal = rounds
    proposal_carry_over(proposal=proposal, to_round=new, actor=None)
    with pytest.raises(JourneyError):
        proposal_carry_over(proposal=proposal, to_round=new, actor=None)
    assert CarryOver.objects.count() == 1


def test_the_database_refuses_a_second_carry_into_the_same_round_too(rounds):
    from django.db import IntegrityError

    old, new, _area, proposal = rounds
    CarryOver.objects.create(proposal=proposal, from_round=old, to_round=new, from_status="feasible")
    with pytest.raises(IntegrityError):
        CarryOver.objects.create(proposal=proposal, from_round=old, to_round=new, from_status="feasible")


@pytest.mark.parametrize("status", [Status.SELECTED, Status.REJECTED, Status.INFEASIBLE, Status.IN_PROGRESS])
def test_only_feasible_unfunded_or_deferred_usulan_go_on(rounds, status):
    _old, new, _area, proposal = rounds
    proposal.status = status
    proposal.save()
    with pytest.raises(JourneyError):
        proposal_carry_over(proposal=proposal, to_round=new, actor=None)


def test_an_usulan_a_forum_deferred_goes_on(rounds):
    _old, new, _new_area, proposal = rounds
    deferred = ProposalFactory(area=proposal.area, status=Status.APPROVED)
    journey_step_record(proposal=deferred, stage=Stage.RT_RW, recommendation=Recommendation.ACCEPTED, reason="ok", actor=None)
    journey_step_record(proposal=deferred, stage=Stage.KELURAHAN, recommendation=Recommendation.DEFERRED,
                        reason="Pagu tidak cukup", actor=None)
    proposal_carry_over(proposal=deferred, to_round=new, actor=None)
    deferred.refresh_from_db()
    assert (deferred.round, deferred.status) == (new, Status.APPROVED)
    # In the new round the kelurahan forum can take it up again.
    journey_step_record(proposal=deferred, stage=Stage.KELURAHAN, recommendation=Recommendation.ACCEPTED,
                        reason="Prioritas 2 forum 2027", actor=None)


def test_not_into_a_round_already_voting_or_an_earlier_one(rounds):
    old, new, _area, proposal = rounds
    new.phase = "voting"
    new.save()
    with pytest.raises(JourneyError):
        proposal_carry_over(proposal=proposal, to_round=new, actor=None)
    earlier = RoundFactory(phase="submission", year=2025)
    AreaFactory(round=earlier)
    with pytest.raises(JourneyError):
        proposal_carry_over(proposal=proposal, to_round=earlier, actor=None)


def test_the_proposer_opts_in_on_the_page_and_the_proposal_says_dilanjutkan(client, rounds):
    _old, new, _area, proposal = rounds
    url = reverse("musrenbang:carry", args=[proposal.pk])
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    other_lpm = UserFactory(role=Role.MODERATOR)
    other_lpm.moderated_kelurahan.add(_kelurahan("64.71.03.1001"))
    client.force_login(other_lpm)
    assert client.get(url).status_code == 403
    client.force_login(proposal.proposer)
    detail = client.get(proposal.get_absolute_url()).content.decode()
    assert url in detail
    assert client.post(url, {"to_round": new.pk, "reason": ""}).status_code == 302
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "usulan 2026, dilanjutkan" in page
    response = client.post(url, {"to_round": new.pk})
    assert response.status_code == 400  # its own round is no target: it is there already
    assert CarryOver.objects.count() == 1
