"""With a real Celery worker and real Redis: events in, exactly one message out, even across a broker outage."""

import datetime as dt
import math
import time

import pytest
from celery.signals import before_task_publish
from django.core import mail
from django.db import transaction
from django.utils import timezone

from notifications import services, tasks
from notifications.kinds import Kind
from notifications.models import EmailStatus, FanoutBatch, Notification
from notifications.services import notify, notify_many

from .conftest import CLOSED_PORT_BROKER, broker_at, make_residents, wait_until

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

PENDING = [EmailStatus.QUEUED, EmailStatus.SENDING]  # not sent yet, or on its way


def test_an_event_leads_to_exactly_one_email_and_one_inbox_entry(celery_live_worker, user_factory):
    resident = user_factory()
    with transaction.atomic():  # the moderator's status change
        notify(recipient=resident, kind=Kind.PROPOSAL_STATUS, url="/usulan/7/",
               context={"title": "Drainase Jl. MT Haryono", "status_label": "Ditolak", "reason": "Di luar kewenangan kota"})
    wait_until(lambda: len(mail.outbox) >= 1, timeout=30, message="the email")
    tasks.sweep.delay()  # a sweep on top must not send it again
    wait_until(lambda: not Notification.objects.filter(email_status__in=PENDING).exists(), timeout=10)
    time.sleep(1)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [resident.email]
    assert "Di luar kewenangan kota" in mail.outbox[0].body
    assert Notification.objects.filter(recipient=resident, in_inbox=True).count() == 1


def test_a_broker_outage_delays_messages_and_loses_none(request, user_factory):
    residents = [user_factory() for _ in range(5)]
    with broker_at(CLOSED_PORT_BROKER):
        for resident in residents:  # five events, each in its own request, while Redis is unreachable
            with transaction.atomic():
                notify(recipient=resident, kind=Kind.PROPOSAL_COMMENT, context={"title": "Taman", "commenter": "Budi"})
        with transaction.atomic():
            assert notify_many(recipient_ids=[r.pk for r in residents], kind=Kind.VOTING_OPENED, context={}) == 5
    assert Notification.objects.filter(email_status=EmailStatus.QUEUED).count() == 5
    assert FanoutBatch.objects.filter(done_at__isnull=True).count() == 1
    assert mail.outbox == []

    request.getfixturevalue("celery_live_worker")  # Redis is back, a worker runs
    # Two minutes later (the lease on rows handed to the lost tasks has run out), beat runs the sweep.
    past = timezone.now() - dt.timedelta(seconds=1)
    Notification.objects.update(next_attempt_at=past)
    FanoutBatch.objects.update(next_attempt_at=past)
    tasks.sweep.delay()
    tasks.sweep.delay()
    wait_until(lambda: len(mail.outbox) >= 10, timeout=30, message="ten emails")
    wait_until(lambda: not Notification.objects.filter(email_status__in=PENDING).exists(), timeout=10)
    tasks.sweep.delay()
    time.sleep(1.5)
    assert len(mail.outbox) == 10
    sent = sorted((m.to[0], m.subject.split(" ")[0]) for m in mail.outbox)
    assert len(set(sent)) == 10  # each resident: one comment email, one voting email
    assert Notification.objects.filter(in_inbox=True).count() == 10


def test_a_city_wide_fan_out_is_split_into_batch_tasks(celery_live_worker):
    count = 2000
    ids = make_residents(count)
    published = []

    def count_publish(sender=None, **kwargs):
        published.append(sender)

    before_task_publish.connect(count_publish, weak=False)
    try:
        with transaction.atomic():
            assert notify_many(recipient_ids=ids, kind=Kind.VOTING_OPENED,
                               context={"round_name": "Anggaran Partisipatif 2027", "area_name": "Kota Balikpapan"}) == count
        wait_until(lambda: len(mail.outbox) >= count, timeout=120, message="2,000 emails")
        # A row is marked sent when its transaction commits, just after the mail server took the
        # message: wait for the last commit, not only for the last email.
        wait_until(lambda: not Notification.objects.filter(email_status__in=PENDING).exists(),
                   timeout=10, message="the last rows marked sent")
    finally:
        before_task_publish.disconnect(count_publish)
    assert Notification.objects.count() == count
    assert Notification.objects.filter(in_inbox=True, email_status=EmailStatus.SENT).count() == count
    expected_tasks = math.ceil(count / services.BATCH_SIZE)
    assert FanoutBatch.objects.count() == expected_tasks
    assert published.count("notifications.tasks.deliver_fanout_batch") == expected_tasks
    assert len(mail.outbox) == count
