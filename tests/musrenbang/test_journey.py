"""The journey of every usulan: who records which step (a role matrix with a superuser), the
order of stages, a PB result moving funded usulan on, followers and supporters told once."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from musrenbang.models import JourneyStep, Recommendation, Stage
from musrenbang.rules import step_perm
from musrenbang.selectors import journey_position
from musrenbang.services import JourneyError, journey_apply_published_results, journey_step_record
from notifications.messages import render_message
from notifications.models import FanoutBatch, Notification
from notifications.services import fanout_batch_expand
from proposals.models import Follow, Status, Support
from tests.factories import AreaFactory, ProposalFactory, RoundFactory, UserFactory, _kelurahan, category_get
from voting.models import ResultSnapshot
from wilayah.models import Kecamatan

pytestmark = pytest.mark.django_db

GUNUNG_BAHAGIA, BATU_AMPAR = "64.71.05.1006", "64.71.03.1001"


@pytest.fixture
def people():
    """One of each role, with their scopes, around an usulan of Gunung Bahagia (category roads)."""
    category = category_get("jalan-jembatan")
    proposal = ProposalFactory(status=Status.APPROVED, category=category, area=AreaFactory(round=RoundFactory(phase="review")))

    def user(role=Role.CITIZEN, **kwargs):
        return UserFactory(role=role, **kwargs)

    users = {
        "anonymous": AnonymousUser(), "citizen": user(), "proposer": proposal.proposer,
        "lpm": user(Role.MODERATOR), "lpm_other": user(Role.MODERATOR),
        "kecamatan_officer": user(Role.MODERATOR), "kecamatan_other": user(Role.MODERATOR),
        "opd": user(Role.VERIFIKATOR), "opd_other": user(Role.VERIFIKATOR), "council": user(Role.COUNCIL),
        "admin": user(Role.ADMIN), "superuser": user(is_superuser=True, is_staff=True),
    }
    users["lpm"].moderated_kelurahan.add(_kelurahan(GUNUNG_BAHAGIA))
    users["lpm_other"].moderated_kelurahan.add(_kelurahan(BATU_AMPAR))
    users["kecamatan_officer"].moderated_kecamatan.add(Kecamatan.objects.get(code="64.71.05"))
    users["kecamatan_other"].moderated_kecamatan.add(Kecamatan.objects.get(code="64.71.03"))
    category.verifikators.add(users["opd"])
    category_get("taman-rth").verifikators.add(users["opd_other"])
    return proposal, users


EVERYONE = {"anonymous", "citizen", "proposer", "lpm", "lpm_other", "kecamatan_officer", "kecamatan_other", "opd",
            "opd_other", "council", "admin", "superuser"}
ALLOWED = {
    Stage.RT_RW: {"lpm", "admin", "superuser"},
    Stage.KELURAHAN: {"lpm", "admin", "superuser"},
    Stage.KECAMATAN: {"kecamatan_officer", "admin", "superuser"},
    Stage.KOTA: {"admin", "superuser"},
    Stage.RENJA: {"opd", "admin", "superuser"},
    Stage.RKPD: {"admin", "superuser"},
    Stage.BUDGETED: {"admin", "superuser"},
    Stage.BUILDING: {"opd", "admin", "superuser"},
    Stage.DONE: {"opd", "admin", "superuser"},
}


@pytest.mark.parametrize("stage", list(ALLOWED))
def test_each_role_records_only_its_own_step(people, stage):
    proposal, users = people
    allowed = {name for name in EVERYONE if users[name].has_perm(step_perm(stage), proposal)}
    assert allowed == ALLOWED[stage]


def test_a_superuser_has_exactly_the_admins_musrenbang_powers(people):
    """Django grants a superuser every permission; so every Musrenbang permission includes the
    admin, and what the journey forbids (skipping a stage) is refused to both by the service."""
    import rules

    from musrenbang.models import Forum

    proposal, users = people
    forum = Forum(round=proposal.round, level="kota", held_at=timezone.now(), place="Balai Kota", officers="-")
    objects = {"musrenbang.record_forum": forum, "musrenbang.export_sipd": None, "musrenbang.view_forum_desk": None}
    names = sorted(name for name in rules.permissions.permissions if name.startswith("musrenbang."))
    assert len(names) == len(ALLOWED) + 4
    for name in names:
        obj = objects.get(name, proposal)
        assert users["admin"].has_perm(name, obj) is True, name
        assert users["superuser"].has_perm(name, obj) is True, name
    for name in ("admin", "superuser"):
        with pytest.raises(JourneyError):
            record(proposal, Stage.RKPD, actor=users[name])


def record(proposal, stage, recommendation=Recommendation.ACCEPTED, actor=None, **kwargs):
    return journey_step_record(proposal=proposal, stage=stage, recommendation=recommendation,
                               reason=kwargs.pop("reason", f"Alasan {stage}"), actor=actor, **kwargs)


def test_stages_follow_in_order_once_each(people):
    proposal, users = people
    with pytest.raises(JourneyError):
        record(proposal, Stage.KELURAHAN, actor=users["lpm"])  # RT/RW first
    record(proposal, Stage.RT_RW, actor=users["lpm"])
    with pytest.raises(JourneyError):
        record(proposal, Stage.RT_RW, actor=users["lpm"])  # once
    record(proposal, Stage.KELURAHAN, actor=users["lpm"], recommended_amount=240_000_000)
    position = journey_position(steps=list(proposal.journey_steps.all()))
    assert (position.stage, position.reached) == (Stage.KECAMATAN, Stage.KELURAHAN)
    with pytest.raises(JourneyError):
        record(proposal, Stage.KECAMATAN, actor=users["kecamatan_officer"], reason="   ")  # a reason is required


def test_a_refused_usulan_stops_and_a_deferred_one_waits(people):
    proposal, users = people
    record(proposal, Stage.RT_RW, actor=users["lpm"])
    record(proposal, Stage.KELURAHAN, Recommendation.DEFERRED, actor=users["lpm"], reason="Pagu kelurahan habis")
    position = journey_position(steps=list(proposal.journey_steps.all()))
    assert (position.stage, position.deferred) == (Stage.KELURAHAN, True)
    other = ProposalFactory(status=Status.APPROVED, area=proposal.area)
    record(other, Stage.RT_RW, Recommendation.REFUSED, actor=users["lpm"], reason="Lahan milik swasta")
    assert journey_position(steps=list(other.journey_steps.all())).stopped
    with pytest.raises(JourneyError):
        record(other, Stage.KELURAHAN, actor=users["lpm"])


def test_rejected_or_merged_usulan_do_not_travel(people):
    proposal, users = people
    proposal.status = Status.REJECTED
    proposal.save()
    with pytest.raises(JourneyError):
        record(proposal, Stage.RT_RW, actor=users["lpm"])


def test_followers_and_supporters_are_told_once_per_step(people):
    proposal, users = people
    both, follower, supporter = UserFactory(), UserFactory(), UserFactory()
    for user in (both, follower):
        Follow.objects.create(proposal=proposal, user=user)
    for user in (both, supporter):
        Support.objects.create(proposal=proposal, user=user)
    record(proposal, Stage.RT_RW, actor=users["lpm"])
    record(proposal, Stage.KELURAHAN, actor=users["lpm"], reason="Prioritas 1 forum kelurahan")
    for batch in FanoutBatch.objects.order_by("pk"):  # in the order the steps were told (the heap has none)
        fanout_batch_expand(batch_id=batch.pk)
        fanout_batch_expand(batch_id=batch.pk)  # a second delivery of the same batch adds nothing
    expected = {both.pk, follower.pk, supporter.pk}
    for user_id in expected:
        notes = Notification.objects.filter(recipient_id=user_id, kind="proposal_journey").order_by("pk")
        assert notes.count() == 2, user_id
    assert not Notification.objects.filter(kind="project_progress").exists()  # journey steps have their own kind
    last = Notification.objects.filter(recipient=both).order_by("-pk").first()
    assert last.context["reason"] == "Prioritas 1 forum kelurahan"
    assert last.url.endswith(f"/usulan/{proposal.pk}/#jejak")
    # Each reader gets the message in their language, with the stage and recommendation translated.
    indonesian = render_message(kind=last.kind, context=last.context, language="id")
    english = render_message(kind=last.kind, context=last.context, language="en")
    assert indonesian.subject == f"Jejak usulan “{proposal.title}”: Musrenbang kelurahan"
    assert "Rekomendasi: Diterima" in indonesian.lines and "Alasan: Prioritas 1 forum kelurahan" in indonesian.lines
    assert english.subject.endswith(": Kelurahan forum") and any(line.endswith(": Accepted") for line in english.lines)
    assert not Notification.objects.exclude(recipient_id__in=expected).exists()


def published_result(area, funded, unfunded):
    projects = [{"id": str(p.pk), "cost": p.cost, "votes": 120 - n, "selected": True, "rank": n + 1,
                 "reason_id": "Masuk dalam pagu.", "reason_en": "Fits the budget."} for n, p in enumerate(funded)]
    projects += [{"id": str(p.pk), "cost": p.cost, "votes": 3, "selected": False, "rank": 99,
                  "reason_id": "Suara tidak cukup.", "reason_en": "Not enough votes."} for p in unfunded]
    return ResultSnapshot.objects.create(
        round=area.round, area=area, rule="greedy", input_hash=f"{len(funded)}-{len(unfunded)}".ljust(64, "x"), voters=130, published_at=timezone.now(),
        result={"rule": "greedy", "budget": area.budget, "selected": [str(p.pk) for p in funded], "projects": projects})


def test_a_published_result_moves_funded_usulan_on_with_the_result_as_reason(people):
    proposal, users = people
    area = proposal.area
    funded_too = ProposalFactory(area=area, status=Status.SELECTED)
    record(funded_too, Stage.RT_RW, actor=users["lpm"])
    unfunded = ProposalFactory(area=area, status=Status.NOT_SELECTED)
    follower = UserFactory()
    Follow.objects.create(proposal=proposal, user=follower)
    unpublished = published_result(area, [unfunded, funded_too, proposal], [])
    unpublished.published_at = None
    unpublished.save()

    snapshot = published_result(area, [proposal, funded_too], [unfunded])
    assert journey_apply_published_results() == 2
    assert journey_apply_published_results() == 0  # once per result
    for funded in (proposal, funded_too):
        step = JourneyStep.objects.get(proposal=funded, stage=Stage.KELURAHAN)
        assert step.automatic and step.recommendation == Recommendation.ACCEPTED and step.actor is None
        assert step.reason == f"Hasil pemungutan suara {area.round.name}: Masuk dalam pagu."
        assert step.recommended_amount == funded.cost
        assert journey_position(steps=list(funded.journey_steps.all())).stage == Stage.KECAMATAN
    assert not JourneyStep.objects.filter(proposal=unfunded).exists()
    assert FanoutBatch.objects.filter(recipient_ids__contains=[follower.pk]).count() == 1
    assert snapshot.pk


def test_the_beat_task_applies_results(people):
    from musrenbang.tasks import apply_published_results

    proposal, _users = people
    published_result(proposal.area, [proposal], [])
    assert apply_published_results.apply().get() == 1
    assert JourneyStep.objects.filter(proposal=proposal, stage=Stage.KELURAHAN).exists()


# --- pages ---------------------------------------------------------------------------------------

def test_the_responsible_officer_records_on_the_page_and_the_public_sees_it(client, people):
    proposal, users = people
    url = reverse("musrenbang:record", args=[proposal.pk])
    assert client.get(url).status_code == 302
    for name in ("citizen", "proposer", "lpm_other", "opd", "council"):
        client.force_login(users[name])
        assert client.get(url).status_code == 403, name
    client.force_login(users["lpm"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"recommendation": "accepted", "reason": "<b>Disepakati</b> musyawarah RW 03",
                                 "recommended_amount": "150.000.000"})
    assert response.status_code == 302
    step = JourneyStep.objects.get(proposal=proposal)
    assert (step.stage, step.recommended_amount, step.actor) == (Stage.RT_RW, 150_000_000, users["lpm"])
    client.logout()
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Jejak usulan" in page and "&lt;b&gt;Disepakati&lt;/b&gt; musyawarah RW 03" in page
    assert 'data-stage="kelurahan" data-state="current"' in page
    assert users["lpm"].full_name not in page


def test_a_bad_post_is_a_clear_message_not_a_500(client, people):
    proposal, users = people
    client.force_login(users["admin"])
    response = client.post(reverse("musrenbang:record", args=[proposal.pk]), {"recommendation": "maybe", "reason": ""})
    assert response.status_code == 400
    assert not JourneyStep.objects.exists()
