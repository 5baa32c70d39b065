"""A forum's agreed priorities are steps on each usulan's journey (issue 14): accepted at the
forum's stage with the forum as the reason, once, and followers and supporters are told."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from musrenbang.models import Forum, JourneyStep, Recommendation, Stage
from musrenbang.services import forum_save, journey_step_record
from notifications.models import FanoutBatch, Notification
from notifications.services import fanout_batch_expand
from proposals.models import Follow, Status, Support
from tests.factories import AreaFactory, ProposalFactory, RoundFactory, UserFactory, _kelurahan, kecamatan_area
from wilayah.models import Kecamatan

from .test_forums import GUNUNG_BAHAGIA, create_url, forum_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    round_ = RoundFactory(phase="review", year=2027)
    area = AreaFactory(round=round_)
    first = ProposalFactory(area=area, status=Status.APPROVED, title="Drainase RT 12")
    second = ProposalFactory(area=area, status=Status.APPROVED, title="Lampu jalan Gang Mawar")
    lpm = UserFactory(role=Role.MODERATOR)
    lpm.moderated_kelurahan.add(_kelurahan(GUNUNG_BAHAGIA))
    return round_, first, second, lpm


def delivered(kind="proposal_journey"):
    for batch in FanoutBatch.objects.all():
        fanout_batch_expand(batch_id=batch.pk)
    return Notification.objects.filter(kind=kind)


def test_agreed_priorities_are_accepted_at_the_kelurahan_stage_and_people_are_told(client, setting):
    round_, first, second, lpm = setting
    follower, supporter = UserFactory(), UserFactory()
    Follow.objects.create(proposal=first, user=follower)
    Support.objects.create(proposal=second, user=supporter)
    client.force_login(lpm)
    assert client.post(create_url(round_), forum_post(first, second)).status_code == 302
    forum = Forum.objects.get()
    steps = {s.proposal_id: s for s in JourneyStep.objects.all()}
    assert set(steps) == {first.pk, second.pk}
    for proposal, rank in ((second, 1), (first, 2)):
        step = steps[proposal.pk]
        assert (step.stage, step.recommendation, step.forum, step.actor, step.automatic) == (
            Stage.KELURAHAN, Recommendation.ACCEPTED, forum, lpm, False)
        assert step.reason == f"Prioritas ke-{rank} yang disepakati Musrenbang kelurahan Gunung Bahagia, 15 Januari 2027."
    notes = delivered()
    assert sorted(notes.values_list("recipient_id", flat=True)) == sorted([follower.pk, supporter.pk])
    assert notes.get(recipient=follower).url.endswith(f"/usulan/{first.pk}/#jejak")
    # The public timeline shows the forum's decision.
    page = client.get(first.get_absolute_url()).content.decode()
    assert "Prioritas ke-2 yang disepakati Musrenbang kelurahan Gunung Bahagia" in page

    # Saving the forum again records nothing twice and tells nobody twice.
    client.post(reverse("musrenbang:forum_edit", args=[forum.pk]), forum_post(first, second, attendance_men="40"))
    assert JourneyStep.objects.count() == 2
    assert delivered().count() == 2


def test_a_refused_usulan_keeps_its_refusal(setting):
    round_, first, second, lpm = setting
    journey_step_record(proposal=first, stage=Stage.RT_RW, recommendation=Recommendation.REFUSED,
                        reason="Bukan kewenangan kelurahan.", actor=lpm)
    forum_save(forum=Forum(round=round_, level="kelurahan", kelurahan_id=GUNUNG_BAHAGIA), actor=lpm,
               priorities=[first, second], held_at=dt.datetime(2027, 1, 15, 1, tzinfo=dt.UTC), place="Aula",
               officers="Ketua LPM", attendance_men=1, attendance_women=1, delegates="", notes="")
    assert list(JourneyStep.objects.filter(proposal=first).values_list("stage", "recommendation")) == [
        (Stage.RT_RW, Recommendation.REFUSED)]
    assert JourneyStep.objects.get(proposal=second).stage == Stage.KELURAHAN


def test_a_kecamatan_forum_moves_kelurahan_usulan_on_to_the_kecamatan_stage(client, setting):
    round_, first, second, lpm = setting
    client.force_login(lpm)
    client.post(create_url(round_), forum_post(first, second))
    kecamatan_officer = UserFactory(role=Role.MODERATOR)
    kecamatan_officer.moderated_kecamatan.add(Kecamatan.objects.get(code="64.71.05"))
    kecamatan_area(round_)
    client.force_login(kecamatan_officer)
    data = forum_post(first, second, place="Aula Kantor Kecamatan")
    data.pop(f"prioritas_{first.pk}")  # only one of the two goes on
    assert client.post(create_url(round_, "kecamatan", "64.71.05"), data).status_code == 302
    forum = Forum.objects.get(level="kecamatan")
    step = JourneyStep.objects.get(stage=Stage.KECAMATAN)
    assert (step.proposal, step.forum, step.actor) == (second, forum, kecamatan_officer)
    assert "Musrenbang kecamatan Balikpapan Selatan" in step.reason
    assert not JourneyStep.objects.filter(proposal=first, stage=Stage.KECAMATAN).exists()
