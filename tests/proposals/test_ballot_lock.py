"""Once voting opens, the list of projects on a ballot is fixed (issue 11): reports from three
throwaway accounts, a verifikator's or a superuser's valuation, a moderator's hide cannot take a
project off it; only an admin's withdrawal during voting can, with a public reason."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEntry, Role
from proposals import selectors, services
from proposals.models import Status, StatusChange
from tests.factories import AreaFactory, ProposalFactory, RoundFactory, UserFactory, category_get
from voting.selectors import ballot_project_costs

pytestmark = pytest.mark.django_db

LOCKED = ["voting", "tallying", "results", "implementation"]


@pytest.fixture
def lpm():
    moderator = UserFactory(role=Role.MODERATOR)
    moderator.moderated_kelurahan.add(moderator.kelurahan)
    return moderator


def on_ballot(phase: str, **kwargs):
    area = AreaFactory(round=RoundFactory(phase=phase, flag_threshold=3))
    return ProposalFactory(area=area, round=area.round, status=Status.FEASIBLE, final_cost=1_000_000,
                           category=category_get("jalan-jembatan"), **kwargs)


@pytest.mark.parametrize("phase", LOCKED)
def test_three_throwaway_accounts_cannot_take_a_project_off_an_open_ballot(phase, lpm):
    project = on_ballot(phase)
    for _ in range(3):
        assert services.flag_create(user=UserFactory(), proposal=project, reason="spam") is False
    project.refresh_from_db()
    assert project.status == Status.FEASIBLE
    assert str(project.pk) in ballot_project_costs(project.area)
    # It waits in the LPM's queue (and the admin's) with its reports.
    queued = {p.pk: p.flag_count for p in selectors.moderation_queue(user=lpm)}
    assert queued == {project.pk: 3}
    assert project.pk in {p.pk for p in selectors.moderation_queue(user=UserFactory(role=Role.ADMIN))}


def test_reports_still_hide_a_proposal_before_voting():
    area = AreaFactory(round=RoundFactory(phase="review", flag_threshold=3))
    project = ProposalFactory(area=area, round=area.round, status=Status.FEASIBLE)
    for _ in range(3):
        services.flag_create(user=UserFactory(), proposal=project)
    project.refresh_from_db()
    assert project.status == Status.HIDDEN


@pytest.mark.parametrize("phase", LOCKED)
@pytest.mark.parametrize("actor_kind", ["verifikator", "admin", "superuser"])
def test_no_valuation_changes_a_ballot_once_voting_opened(phase, actor_kind):
    project = on_ballot(phase)
    actor = {"verifikator": lambda: UserFactory(role=Role.VERIFIKATOR), "admin": lambda: UserFactory(role=Role.ADMIN),
             "superuser": lambda: UserFactory(is_superuser=True, is_staff=True)}[actor_kind]()
    with pytest.raises(ValidationError, match="daftar proyek di surat suara"):
        services.proposal_valuate(proposal=project, actor=actor, feasible=False, final_cost=None, reason="tidak layak")
    with pytest.raises(ValidationError, match="daftar proyek di surat suara"):
        services.proposal_valuate(proposal=project, actor=actor, feasible=True, final_cost=5, reason="")
    project.refresh_from_db()
    assert (project.status, project.final_cost) == (Status.FEASIBLE, 1_000_000)
    assert ballot_project_costs(project.area) == {str(project.pk): 1_000_000}


def test_a_superuser_gets_403_on_the_valuation_page_during_voting(client):
    project = on_ballot("voting")
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.post(reverse("proposals:valuate", args=[project.pk]), {"feasible": "0", "reason": "x"})
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.status == Status.FEASIBLE


@pytest.mark.parametrize("phase", LOCKED)
def test_a_moderator_cannot_hide_a_ballot_project_and_is_told_why(client, lpm, phase):
    project = on_ballot(phase)
    with pytest.raises(ValidationError):
        services.proposal_hide(proposal=project, actor=lpm, reason="kasar")
    client.force_login(lpm)
    response = client.post(reverse("proposals:moderate", args=[project.pk]), {"action": "hide", "reason": "kasar"})
    assert response.status_code == 400
    assert "daftar proyek di surat suara" in response.content.decode()
    project.refresh_from_db()
    assert project.status == Status.FEASIBLE


def test_a_hidden_project_cannot_be_put_back_on_an_open_ballot(lpm):
    project = on_ballot("review")
    services.proposal_hide(proposal=project, actor=lpm, reason="kasar")
    project.round.phase = "voting"
    project.round.save()
    with pytest.raises(ValidationError):
        services.proposal_restore(proposal=project, actor=lpm)
    project.refresh_from_db()
    assert project.status == Status.HIDDEN


def test_an_admin_withdraws_a_ballot_project_during_voting_with_a_public_reason():
    project = on_ballot("voting")
    admin = UserFactory(role=Role.ADMIN)
    with pytest.raises(ValidationError):
        services.proposal_withdraw(proposal=project, actor=admin, reason="  ")
    services.proposal_withdraw(proposal=project, actor=admin, reason="Lahan ternyata milik swasta.")
    project.refresh_from_db()
    assert project.status == Status.WITHDRAWN
    assert ballot_project_costs(project.area) == {}
    change = StatusChange.objects.get(proposal=project, to_status=Status.WITHDRAWN)
    assert change.reason == "Lahan ternyata milik swasta."
    assert AuditEntry.objects.filter(action="proposal.withdraw", actor=admin, target_id=str(project.pk)).exists()


@pytest.mark.parametrize(("phase", "role"), [("voting", Role.MODERATOR), ("voting", Role.COUNCIL),
                                             ("voting", Role.VERIFIKATOR), ("tallying", Role.ADMIN),
                                             ("results", Role.ADMIN), ("review", Role.ADMIN)])
def test_nobody_else_withdraws_and_not_outside_voting(phase, role):
    project = on_ballot(phase)
    with pytest.raises(PermissionDenied):
        services.proposal_withdraw(proposal=project, actor=UserFactory(role=role), reason="alasan")
    project.refresh_from_db()
    assert project.status == Status.FEASIBLE
