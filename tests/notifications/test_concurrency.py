"""The same delivery task, run twice at the same moment against real PostgreSQL, sends once."""

import threading
import time

import pytest
from django.core import mail
from django.db import connection

from notifications import tasks
from notifications.kinds import Kind
from notifications.models import EmailStatus, Notification
from notifications.services import notify

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_runs_of_the_delivery_task_send_one_email(user_factory, monkeypatch):
    resident = user_factory()
    notification = notify(recipient=resident, kind=Kind.PROPOSAL_STATUS, context={"title": "Jembatan"})

    from django.core.mail.backends.locmem import EmailBackend

    real_send = EmailBackend.send_messages

    def slow_send(self, messages):
        time.sleep(0.5)  # a slow mail server: the second run arrives while the first is still sending
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", slow_send)
    start = threading.Barrier(2)
    outcomes = []

    def run_task():
        try:
            start.wait()
            outcomes.append(tasks.deliver(notification.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=run_task) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["sent", "skipped"]
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT
    assert notification.email_attempts == 1


def test_two_workers_on_one_batch_write_and_send_each_message_once(user_factory):
    from notifications.models import FanoutBatch
    from notifications.services import notify_many

    people = [user_factory() for _ in range(40)]
    notify_many(recipient_ids=[p.pk for p in people], kind=Kind.RESULTS_PUBLISHED, context={"round_name": "AP 2027"})
    batch = FanoutBatch.objects.get()
    start = threading.Barrier(4)

    def run_task():
        try:
            start.wait()
            tasks.deliver_fanout_batch(batch.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=run_task) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert Notification.objects.count() == 40
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
