"""Two LPM officers acting on one proposal at the same moment (real PostgreSQL, real threads)."""

import threading

import pytest
from django.db import connection

from accounts.models import AuditEntry, Role
from notifications.models import Notification
from proposals import services
from proposals.models import Proposal, Status, StatusChange
from tests.factories import ProposalFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _at_once(*actions) -> list:
    """Runs each action in its own thread and database connection, released together."""
    barrier = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def worker(i: int) -> None:
        try:
            barrier.wait()
            outcomes[i] = actions[i]()
        except Exception as error:  # noqa: BLE001 - every outcome is inspected by the caller
            outcomes[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def _moderators(proposal: Proposal, count: int = 2) -> list:
    officers = UserFactory.create_batch(count, role=Role.MODERATOR)
    for officer in officers:
        officer.moderated_kelurahan.add(proposal.area.kelurahan)
    return officers


@pytest.mark.parametrize("attempt", range(5))
def test_approve_and_reject_at_once_leave_one_consistent_status(attempt):
    proposal = ProposalFactory()
    first, second = _moderators(proposal)
    # Each officer acts from the page they loaded: both saw the proposal as submitted.
    seen_by_first, seen_by_second = Proposal.objects.get(pk=proposal.pk), Proposal.objects.get(pk=proposal.pk)
    outcomes = _at_once(
        lambda: services.proposal_approve(proposal=seen_by_first, actor=first),
        lambda: services.proposal_reject(proposal=seen_by_second, actor=second, reason="Lokasi di lahan swasta."),
    )
    # Approve-then-reject is allowed (a later, reasoned reversal); reject-then-approve is not.
    proposal.refresh_from_db()
    history = list(StatusChange.objects.filter(proposal=proposal).order_by("pk").values_list("from_status", "to_status"))
    assert history in (
        [("submitted", "approved"), ("approved", "rejected")],
        [("submitted", "rejected")],
    ), history
    assert proposal.status == history[-1][1]
    failures = [o for o in outcomes if isinstance(o, Exception)]
    assert all(isinstance(f, services.TransitionError) for f in failures), failures
    assert len(failures) == 2 - len(history)
    # Audit log and the proposer's notifications follow exactly what happened.
    assert AuditEntry.objects.filter(target_id=str(proposal.pk), action__startswith="proposal.").count() == len(history)
    assert Notification.objects.filter(recipient=proposal.proposer, kind="proposal_status").count() == len(history)


@pytest.mark.parametrize("attempt", range(3))
def test_two_approvals_at_once_approve_once(attempt):
    proposal = ProposalFactory()
    officers = _moderators(proposal, 2)
    stale = [Proposal.objects.get(pk=proposal.pk) for _ in officers]
    outcomes = _at_once(*[
        (lambda seen=seen, officer=officer: services.proposal_approve(proposal=seen, actor=officer))
        for seen, officer in zip(stale, officers, strict=True)
    ])
    proposal.refresh_from_db()
    assert proposal.status == Status.APPROVED
    assert StatusChange.objects.filter(proposal=proposal).count() == 1
    assert sum(isinstance(o, Proposal) for o in outcomes) == 1
    assert sum(isinstance(o, services.TransitionError) for o in outcomes) == 1
    assert Notification.objects.filter(recipient=proposal.proposer, kind="proposal_status").count() == 1
