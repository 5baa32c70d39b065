"""Services against the real database: moderation, merge, valuation, supports, flags."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEntry, Role
from notifications.models import Notification
from proposals import selectors, services
from proposals.models import Follow, Proposal, Status, StatusChange, Support
from tests.factories import AreaFactory, ProposalFactory, RoundFactory, UserFactory, category_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def lpm():
    moderator = UserFactory(role=Role.MODERATOR)
    moderator.moderated_kelurahan.add(moderator.kelurahan)
    return moderator


def history(proposal):
    return list(StatusChange.objects.filter(proposal=proposal).values_list("from_status", "to_status", "reason"))


def test_approval_writes_history_audit_and_tells_the_proposer(lpm):
    proposal = ProposalFactory()
    services.proposal_approve(proposal=proposal, actor=lpm)
    proposal.refresh_from_db()
    assert proposal.status == Status.APPROVED
    assert history(proposal) == [("submitted", "approved", "")]
    audit = AuditEntry.objects.get(action="proposal.approve")
    assert (audit.actor, audit.target_id, audit.detail["to"]) == (lpm, str(proposal.pk), "approved")
    note = Notification.objects.get(recipient=proposal.proposer, kind="proposal_status")
    assert note.context["title"] == proposal.title
    assert note.context["status_label"] == "Disetujui LPM"


def test_rejection_needs_a_reason_and_the_reason_is_public(lpm):
    proposal = ProposalFactory()
    with pytest.raises(ValidationError):
        services.proposal_reject(proposal=proposal, actor=lpm, reason="  ")
    services.proposal_reject(proposal=proposal, actor=lpm, reason="Lahan milik swasta.")
    assert history(proposal) == [("submitted", "rejected", "Lahan milik swasta.")]
    assert Notification.objects.get(recipient=proposal.proposer).context["reason"] == "Lahan milik swasta."


def test_changes_requested_then_revised_and_resubmitted(lpm):
    proposal = ProposalFactory()
    with pytest.raises(ValidationError):
        services.proposal_request_changes(proposal=proposal, actor=lpm, message="")
    services.proposal_request_changes(proposal=proposal, actor=lpm, message="Tambahkan RT/RW.")
    services.proposal_update(proposal=proposal, actor=proposal.proposer, rt="012", rw="003", submit=True)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.rt) == (Status.SUBMITTED, "012")
    assert [row[1] for row in history(proposal)] == ["needs_changes", "submitted"]


def test_an_action_on_a_proposal_that_moved_on_is_refused(lpm):
    proposal = ProposalFactory()
    services.proposal_approve(proposal=proposal, actor=lpm)
    stale = Proposal.objects.get(pk=proposal.pk)
    stale.status = Status.SUBMITTED  # what a second moderator's page still shows
    with pytest.raises(services.TransitionError):
        services.proposal_approve(proposal=stale, actor=lpm)
    assert StatusChange.objects.filter(proposal=proposal).count() == 1


def test_merge_moves_supporters_and_followers_once(lpm):
    target = ProposalFactory(status=Status.APPROVED)
    duplicate = ProposalFactory(area=target.area, round=target.round)
    both, only_duplicate, only_target = UserFactory(), UserFactory(), UserFactory()
    for user in (both, only_duplicate):
        Support.objects.create(proposal=duplicate, user=user)
        Follow.objects.create(proposal=duplicate, user=user)
    for user in (both, only_target):
        Support.objects.create(proposal=target, user=user)
        Follow.objects.create(proposal=target, user=user)

    services.proposal_merge(proposal=duplicate, into=target, actor=lpm)

    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into) == (Status.MERGED, target)
    assert set(Support.objects.filter(proposal=target).values_list("user", flat=True)) == {both.pk, only_duplicate.pk, only_target.pk}
    assert set(Follow.objects.filter(proposal=target).values_list("user", flat=True)) >= {both.pk, only_duplicate.pk, only_target.pk}
    assert not Support.objects.filter(proposal=duplicate).exists()
    assert "Digabung" in history(duplicate)[-1][2]


def test_merge_refuses_another_area_or_itself(lpm):
    proposal = ProposalFactory()
    elsewhere = ProposalFactory(area=AreaFactory(round=proposal.round, kelurahan=UserFactory.build().kelurahan, code="x"))
    with pytest.raises(ValidationError):
        services.proposal_merge(proposal=proposal, into=proposal, actor=lpm)
    with pytest.raises(ValidationError):
        services.proposal_merge(proposal=proposal, into=elsewhere, actor=lpm)


def test_hide_and_restore_returns_to_the_status_before(lpm):
    proposal = ProposalFactory(status=Status.APPROVED)
    services.proposal_hide(proposal=proposal, actor=lpm, reason="Ujaran kebencian.")
    services.proposal_restore(proposal=proposal, actor=lpm)
    proposal.refresh_from_db()
    assert proposal.status == Status.APPROVED
    assert [row[1] for row in history(proposal)] == ["hidden", "approved"]


def test_valuation_sets_final_cost_and_only_what_fits_goes_on_the_ballot():
    verifikator = UserFactory(role=Role.VERIFIKATOR)
    area = AreaFactory(budget=500_000_000)
    fits = ProposalFactory(area=area, status=Status.APPROVED)
    too_dear = ProposalFactory(area=area, status=Status.APPROVED)
    infeasible = ProposalFactory(area=area, status=Status.APPROVED)
    not_valued = ProposalFactory(area=area, status=Status.APPROVED)

    services.proposal_valuate(proposal=fits, actor=verifikator, feasible=True, final_cost=400_000_000)
    with pytest.raises(ValidationError) as refused:  # above the pagu: flagged, to be confirmed
        services.proposal_valuate(proposal=too_dear, actor=verifikator, feasible=True, final_cost=600_000_000)
    assert refused.value.error_dict["final_cost"][0].code == "over_pagu"
    assert "melebihi pagu wilayah (Rp500.000.000)" in refused.value.messages[0]
    too_dear.refresh_from_db()
    assert too_dear.status == Status.APPROVED
    services.proposal_valuate(proposal=too_dear, actor=verifikator, feasible=True, final_cost=600_000_000,
                              over_pagu_confirmed=True)
    too_dear.refresh_from_db()
    assert too_dear.status == Status.FEASIBLE and too_dear.final_cost == 600_000_000
    with pytest.raises(ValidationError):
        services.proposal_valuate(proposal=infeasible, actor=verifikator, feasible=False, final_cost=None, reason="")
    with pytest.raises(ValidationError):
        services.proposal_valuate(proposal=infeasible, actor=verifikator, feasible=True, final_cost=None)
    services.proposal_valuate(proposal=infeasible, actor=verifikator, feasible=False, final_cost=None,
                              reason="Kewenangan provinsi.")

    assert list(selectors.ballot_projects(area)) == [fits]
    fits.refresh_from_db()
    assert fits.final_cost == 400_000_000 and fits.cost == 400_000_000
    assert history(infeasible)[-1] == ("approved", "infeasible", "Kewenangan provinsi.")
    assert not_valued.status == Status.APPROVED


def test_support_toggles_and_stays_one_per_resident():
    proposal = ProposalFactory(status=Status.APPROVED)
    resident = UserFactory()
    assert services.support_toggle(proposal=proposal, user=resident) is True
    assert services.support_toggle(proposal=proposal, user=resident) is False
    assert services.support_toggle(proposal=proposal, user=resident) is True
    assert Support.objects.filter(proposal=proposal).count() == 1


def test_flags_hide_a_proposal_at_the_round_threshold():
    proposal = ProposalFactory(status=Status.APPROVED, area=AreaFactory(round=RoundFactory(flag_threshold=2)))
    first = UserFactory()
    assert services.flag_create(user=first, proposal=proposal) is False
    assert services.flag_create(user=first, proposal=proposal) is False  # the same person twice counts once
    assert services.flag_create(user=UserFactory(), proposal=proposal) is True
    proposal.refresh_from_db()
    assert proposal.status == Status.HIDDEN
    assert "2 laporan" in history(proposal)[-1][2]


def test_flags_hide_a_comment_at_the_threshold():
    proposal = ProposalFactory(status=Status.APPROVED, area=AreaFactory(round=RoundFactory(flag_threshold=2)))
    comment = services.comment_create(proposal=proposal, author=UserFactory(), body="Komentar kasar")
    services.flag_create(user=UserFactory(), comment=comment)
    services.flag_create(user=UserFactory(), comment=comment)
    comment.refresh_from_db()
    assert comment.hidden


def test_a_comment_tells_the_proposer_but_not_when_they_comment_themselves():
    proposal = ProposalFactory(status=Status.APPROVED)
    services.comment_create(proposal=proposal, author=proposal.proposer, body="Tambahan info dari saya.")
    assert not Notification.objects.filter(kind="proposal_comment").exists()
    neighbour = UserFactory(full_name="Rina Lestari")
    services.comment_create(proposal=proposal, author=neighbour, body="Setuju, sangat dibutuhkan.")
    note = Notification.objects.get(kind="proposal_comment", recipient=proposal.proposer)
    assert note.context == {"title": proposal.title, "commenter": "Rina", "excerpt": "Setuju, sangat dibutuhkan."}


def test_create_as_draft_then_submit():
    round_ = RoundFactory()
    area = AreaFactory(round=round_)
    resident = UserFactory()
    proposal = services.proposal_create(
        round=round_, proposer=resident, area=area, category=category_get(), title="Lampu jalan Jl. Pramuka",
        description="Gelap di malam hari.", estimated_cost=90_000_000, address="Jl. Pramuka")
    assert proposal.status == Status.DRAFT
    services.proposal_submit(proposal=proposal, actor=resident)
    proposal.refresh_from_db()
    assert proposal.status == Status.SUBMITTED and proposal.submitted_at is not None
    assert Follow.objects.filter(proposal=proposal, user=resident).exists()


def test_an_estimate_above_the_areas_pagu_is_refused_with_the_figures():
    round_ = RoundFactory()
    area = AreaFactory(round=round_, budget=1_000_000_000)
    resident = UserFactory()
    fields = dict(round=round_, proposer=resident, area=area, category=category_get(), title="Jalan lingkungan RT 5",
                  description="Berlubang.", address="RT 5")
    with pytest.raises(ValidationError) as refused:
        services.proposal_create(**fields, estimated_cost=5_000_000_000)
    message = refused.value.message_dict["estimated_cost"][0]
    assert "Rp5.000.000.000" in message and "Rp1.000.000.000" in message and "melebihi pagu" in message
    assert not Proposal.objects.filter(area=area).exists()
    proposal = services.proposal_create(**fields, estimated_cost=1_000_000_000)  # the whole pagu is allowed
    with pytest.raises(ValidationError):
        services.proposal_update(proposal=proposal, actor=resident, estimated_cost=1_000_000_001)
    proposal.refresh_from_db()
    assert proposal.estimated_cost == 1_000_000_000
