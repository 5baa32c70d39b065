"""After voting, an e-mail says a ballot was recorded: never the choices, never the receipt code.

An online cast writes nothing for it: after commit it asks the worker (voting.tasks.
ballot_recorded_notify), which here runs in this process (Celery's eager mode)."""

import datetime as dt
import time

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from notifications import services as notification_services
from notifications.models import Notification
from voting import services, tasks

from .conftest import project_ids, resident_with_nik

pytestmark = pytest.mark.django_db


def _with_email(user, verified=True):
    user.email = f"warga{user.pk}@contoh.id"
    user.email_verified_at = timezone.now() if verified else None
    user.save(update_fields=["email", "email_verified_at"])
    return user


@pytest.fixture
def eager_tasks():
    """Tasks asked for with .delay() run at once, in this process, raising what they raise."""
    from balikpapan_pb.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


def _sent_for(user) -> list:
    for n in Notification.objects.filter(recipient=user, kind="ballot_recorded"):
        notification_services.notification_deliver_email(notification_id=n.pk)
    return [m for m in mail.outbox if user.email in m.to]


def test_a_cast_ballot_is_confirmed_by_email_after_commit_without_choices_or_receipt(
        voting_round, kel_area, django_capture_on_commit_callbacks, eager_tasks):
    voter = _with_email(resident_with_nik()[0])
    with django_capture_on_commit_callbacks() as callbacks:
        ballot = services.ballot_cast(voter=voter, area=kel_area, choices=project_ids(kel_area)[:2])
    assert callbacks, "the e-mail is queued after commit"
    assert mail.outbox == [], "nothing is sent inside the request"
    assert not Notification.objects.filter(recipient=voter).exists(), "nor written: the worker does that"
    for callback in callbacks:
        callback()  # the commit: the worker's task runs
    sent = _sent_for(voter)
    assert len(sent) == 1
    email = sent[0]
    text = email.subject + email.body + "".join(str(c) for c, _t in email.alternatives)
    assert "tercatat" in text and kel_area.name in text
    assert ballot.receipt_code not in text
    from proposals.models import Proposal
    for title in Proposal.objects.filter(area=kel_area).values_list("title", flat=True):
        assert title not in text, "the e-mail never names a choice"
    notification = Notification.objects.get(recipient=voter, kind="ballot_recorded")
    assert notification.in_inbox is False and ballot.receipt_code not in str(notification.context)


def test_changes_within_ten_minutes_are_one_email_and_a_later_change_another(
        voting_round, kel_area, django_capture_on_commit_callbacks, eager_tasks):
    voter = _with_email(resident_with_nik()[0])
    ids = project_ids(kel_area)
    for picks in (ids[:1], ids[:2], ids[1:3]):
        with django_capture_on_commit_callbacks(execute=True):
            services.ballot_cast(voter=voter, area=kel_area, choices=picks)
    assert Notification.objects.filter(recipient=voter, kind="ballot_recorded").count() == 1
    # eleven minutes later (the notification's time, and the web's note that it asked the worker)
    Notification.objects.filter(recipient=voter).update(created_at=timezone.now() - dt.timedelta(minutes=11))
    cache.delete(services.ballot_recorded_quiet_key(voter.pk, kel_area.pk))
    with django_capture_on_commit_callbacks(execute=True):
        services.ballot_cast(voter=voter, area=kel_area, choices=ids[:1])
    assert Notification.objects.filter(recipient=voter, kind="ballot_recorded").count() == 2


def test_the_task_run_twice_sends_once(voting_round, kel_area):
    """A message delivered twice by the broker (acks_late) is one e-mail."""
    voter = _with_email(resident_with_nik()[0])
    assert tasks.ballot_recorded_notify(voter.pk, kel_area.pk) is True
    assert tasks.ballot_recorded_notify(voter.pk, kel_area.pk) is False
    assert len(_sent_for(voter)) == 1


def test_no_email_without_a_verified_address(voting_round, kel_area, django_capture_on_commit_callbacks, eager_tasks):
    voter = _with_email(resident_with_nik()[0], verified=False)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.ballot_cast(voter=voter, area=kel_area, choices=project_ids(kel_area)[:1])
    assert not callbacks, "no task is even asked for"
    assert not Notification.objects.filter(recipient=voter, kind="ballot_recorded").exists()


def test_a_paper_ballot_in_a_residents_name_is_confirmed_to_them(voting_round, kel_area, moderator):
    voter, nik = resident_with_nik()
    _with_email(voter)
    services.paper_ballot_enter(moderator=moderator, nik=nik, area=kel_area, choices=project_ids(kel_area)[:1])
    assert len(_sent_for(voter)) == 1


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_email_of_a_ballot_cast_on_the_page(celery_live_worker):
    """The web asks after commit; a real worker on real Redis (the task routed to the
    notifications queue) writes the message and sends it, once for two changes in a row."""
    from django.test import Client
    from django.urls import reverse

    from tests.notifications.conftest import wait_until

    from .conftest import make_round

    area = make_round().test_areas["kel"]
    voter = _with_email(resident_with_nik()[0])
    client = Client()
    client.force_login(voter)
    url = reverse("voting:ballot", args=[area.round.slug, area.pk])
    ids = project_ids(area)
    for picks in (ids[:1], ids[:2]):
        assert client.post(url, {"project": picks, "confirm": "1"}).status_code == 302
    wait_until(lambda: [m for m in mail.outbox if voter.email in m.to], timeout=30, message="the e-mail")
    time.sleep(1.5)  # a second message, were there one, would have come by now
    assert len([m for m in mail.outbox if voter.email in m.to]) == 1
    assert Notification.objects.filter(recipient=voter, kind="ballot_recorded").count() == 1


def test_a_broker_that_is_down_at_commit_does_not_lose_the_notice(
        client, voting_round, kel_area, django_capture_on_commit_callbacks):
    """Someone votes as a resident while Redis (the broker) is unreachable: the page still records
    the ballot, and the resident still gets the e-mail that a ballot was recorded. The second voter
    comes after the web process has stopped trying the broker for a while (notifications'
    publish pause): the notice is written all the same. Against the task-only code: no e-mail."""
    from django.urls import reverse

    from notifications.models import EmailStatus
    from tests.notifications.conftest import CLOSED_PORT_BROKER, broker_at

    voters = [_with_email(resident_with_nik()[0]) for _ in range(2)]
    url = reverse("voting:ballot", args=[kel_area.round.slug, kel_area.pk])
    started = time.monotonic()
    with broker_at(CLOSED_PORT_BROKER):  # the app publishes to a port nothing listens on
        for voter in voters:
            client.force_login(voter)
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(url, {"project": project_ids(kel_area)[:1], "confirm": "1"})
            assert response.status_code == 302
    assert time.monotonic() - started < 10, "a refused connection, not a hang"
    for voter in voters:
        notice = Notification.objects.get(recipient=voter, kind="ballot_recorded")
        assert notice.email_status == EmailStatus.QUEUED, "in the outbox, for the sweep once the broker is back"
        assert len(_sent_for(voter)) == 1
