"""Recording a journey step costs a fixed, small number of queries: the demo walks hundreds of
steps, and a forum's priorities or a published result record one per usulan."""

import pytest

from accounts.models import Role
from musrenbang.models import JourneyStep, Recommendation, Stage
from musrenbang.services import JourneyError, journey_step_record
from proposals.models import Status
from tests.factories import ProposalFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_step_is_recorded_in_seven_queries_and_once_per_stage_and_round(django_assert_num_queries):
    proposal = ProposalFactory(status=Status.APPROVED)
    admin = UserFactory(role=Role.ADMIN)
    # SAVEPOINT, the locked usulan with its round, its steps, the actor exists, INSERT of the step,
    # INSERT of the audit entry, RELEASE SAVEPOINT.
    with django_assert_num_queries(7):
        journey_step_record(proposal=proposal, stage=Stage.RT_RW, recommendation=Recommendation.ACCEPTED,
                            reason="Disepakati warga.", actor=admin, notify=False)
    journey_step_record(proposal=proposal, stage=Stage.KELURAHAN, recommendation=Recommendation.ACCEPTED,
                        reason="Disepakati forum.", actor=admin, notify=False)

    with pytest.raises(JourneyError, match="sudah dicatat"):
        journey_step_record(proposal=proposal, stage=Stage.KELURAHAN, recommendation=Recommendation.ACCEPTED,
                            reason="Lagi.", actor=admin, notify=False, automatic=True)
    assert list(JourneyStep.objects.filter(proposal=proposal).values_list("stage", flat=True)) == [
        Stage.RT_RW, Stage.KELURAHAN]


def test_a_negative_pagu_is_still_refused_before_anything_is_written():
    proposal = ProposalFactory(status=Status.APPROVED)
    with pytest.raises(JourneyError, match="negatif"):
        journey_step_record(proposal=proposal, stage=Stage.RT_RW, recommendation=Recommendation.ACCEPTED,
                            reason="Disepakati warga.", actor=None, recommended_amount=-1, notify=False)
    assert not JourneyStep.objects.filter(proposal=proposal).exists()
