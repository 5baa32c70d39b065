"""Batched delivery to a real SMTP server: one connection, chunks claimed and recorded in bulk,
failures kept to the message they concern, and a chunk left by a dead worker sent again."""

import datetime as dt
import re
from collections import Counter

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import services
from notifications.kinds import Kind
from notifications.models import EmailStatus, FanoutBatch, Notification
from notifications.services import notify, notify_many
from tests.net import free_port

from .conftest import make_residents

pytestmark = pytest.mark.django_db

VOTING = {"round_name": "Anggaran Partisipatif 2027", "area_name": "Kota Balikpapan"}


def fan_out(count: int, **kwargs) -> list[int]:
    """notify_many to `count` new residents, expanded into rows; returns the rows' ids."""
    ids = make_residents(count, **kwargs)
    notify_many(recipient_ids=ids, kind=Kind.VOTING_OPENED, context=VOTING, url="/")
    for batch in FanoutBatch.objects.all():
        services.fanout_batch_expand(batch_id=batch.pk)
    return list(Notification.objects.order_by("pk").values_list("pk", flat=True))


def status_counts() -> Counter:
    return Counter(Notification.objects.values_list("email_status", flat=True))


def test_a_batch_goes_over_one_smtp_connection_with_a_few_queries_per_chunk(smtp_server):
    ids = fan_out(250)
    with CaptureQueriesContext(db_connection) as queries:
        assert services.notifications_deliver_emails(notification_ids=ids) == {"sent": 250}
    assert smtp_server.connections == 1
    assert sorted(smtp_server.recipients()) == sorted(f"warga{i}@example.test" for i in range(250))
    assert status_counts() == {EmailStatus.SENT: 250}
    chunks = 3  # 250 rows, EMAIL_CHUNK = 100
    # Per chunk: claim (savepoint, SELECT ... FOR UPDATE SKIP LOCKED, UPDATE, release) and
    # record (savepoint, UPDATE, release); nothing per message.
    assert len(queries) <= 8 * chunks, [q["sql"][:80] for q in queries]
    assert "SKIP LOCKED" in queries[1]["sql"]


def test_a_refused_recipient_fails_alone_and_the_chunk_is_not_sent_again(smtp_server):
    ids = fan_out(5)
    smtp_server.answers["warga2@example.test"] = "550 5.1.1 no such user"
    assert services.notifications_deliver_emails(notification_ids=ids) == {"sent": 4, "failed": 1}
    refused = Notification.objects.get(recipient__email="warga2@example.test")
    assert refused.email_status == EmailStatus.FAILED and "550" in refused.last_error
    assert status_counts() == {EmailStatus.SENT: 4, EmailStatus.FAILED: 1}

    # A duplicate task, and later sweeps, find nothing more to send.
    assert services.notifications_deliver_emails(notification_ids=ids) == {"skipped": 5}
    Notification.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.outbox_sweep() == {"batches": 0, "emails": 0}
    assert sorted(smtp_server.recipients()) == [f"warga{i}@example.test" for i in (0, 1, 3, 4)]
    assert smtp_server.connections == 1


def test_a_temporary_refusal_waits_for_its_own_retry(smtp_server):
    ids = fan_out(3)
    smtp_server.answers["warga1@example.test"] = "451 4.3.0 try again later"
    assert services.notifications_deliver_emails(notification_ids=ids) == {"sent": 2, "retry": 1}
    later = Notification.objects.get(recipient__email="warga1@example.test")
    assert (later.email_status, later.email_attempts) == (EmailStatus.QUEUED, 1)
    assert dt.timedelta(seconds=30) < later.next_attempt_at - timezone.now() <= dt.timedelta(seconds=60)

    del smtp_server.answers["warga1@example.test"]
    assert services.notifications_deliver_emails(notification_ids=ids) == {"sent": 1, "skipped": 2}
    assert Counter(smtp_server.recipients()) == {f"warga{i}@example.test": 1 for i in range(3)}


def test_an_unreachable_mail_server_leaves_the_chunk_queued_and_loses_nothing(smtp_server, settings):
    ids = fan_out(120)
    settings.EMAIL_PORT = free_port()  # nothing listens there
    assert services.notifications_deliver_emails(notification_ids=ids) == {"retry": 1, "released": 99}
    assert status_counts() == {EmailStatus.QUEUED: 120}
    assert Counter(Notification.objects.values_list("email_attempts", flat=True)) == {0: 119, 1: 1}

    settings.EMAIL_PORT = smtp_server.port  # the server is back; the retry time comes
    Notification.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.outbox_sweep() == {"batches": 0, "emails": 120}
    assert services.notifications_deliver_emails(notification_ids=ids) == {"sent": 120}
    assert Counter(smtp_server.recipients()) == {f"warga{i}@example.test": 1 for i in range(120)}


def test_a_chunk_left_sending_by_a_dead_worker_is_sent_again_after_its_lease(smtp_server):
    ids = fan_out(30)
    claimed, lease_until = services._email_chunk_claim(notification_ids=ids[:20])  # then the worker dies
    assert status_counts() == {EmailStatus.SENDING: 20, EmailStatus.QUEUED: 10}
    assert lease_until - timezone.now() > dt.timedelta(minutes=4)

    # Other workers leave the claimed chunk alone; so does the sweep while the lease runs.
    assert services.notifications_deliver_emails(notification_ids=ids) == {"sent": 10, "skipped": 20}
    assert services.outbox_sweep() == {"batches": 0, "emails": 0}

    Notification.objects.filter(email_status=EmailStatus.SENDING).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )  # five minutes later
    assert services.outbox_sweep() == {"batches": 0, "emails": 20}
    assert services.notifications_deliver_emails(notification_ids=ids) == {"sent": 20, "skipped": 10}
    assert Counter(smtp_server.recipients()) == {f"warga{i}@example.test": 1 for i in range(30)}

    # The dead worker's claim is void: recording it now changes nothing.
    services._email_chunk_record(claimed=claimed, lease_until=lease_until, sent=[], failures={},
                                 released=[row.pk for row in claimed], outcomes=Counter())
    assert status_counts() == {EmailStatus.SENT: 30}


def test_a_message_that_stops_every_worker_is_given_up(resident):
    notification = notify(recipient=resident, kind=Kind.RESULTS_PUBLISHED, context={})
    for _attempt in range(services.MAX_EMAIL_ATTEMPTS):
        services._email_chunk_claim(notification_ids=[notification.pk])  # the worker dies each time
        Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
        services.outbox_sweep()
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.FAILED
    assert notification.email_attempts == services.MAX_EMAIL_ATTEMPTS


def test_a_worker_near_the_end_of_its_lease_hands_the_rest_back(smtp_server, monkeypatch):
    ids = fan_out(10)
    monkeypatch.setattr(services, "SEND_STOP_AFTER", dt.timedelta(0))
    assert services.notifications_deliver_emails(notification_ids=ids) == {"released": 10}
    assert smtp_server.messages == []
    assert status_counts() == {EmailStatus.QUEUED: 10}
    assert set(Notification.objects.values_list("email_attempts", flat=True)) == {0}


def _without_date_and_id(content: bytes) -> bytes:
    """The bytes without what differs in every message anyway: Date, Message-ID, the MIME boundary,
    and the signed unsubscribe token's time and signature (both change with the second)."""
    boundary = re.search(rb'boundary="([^"]+)"', content).group(1)
    content = content.replace(boundary, b"BOUNDARY")
    content = re.sub(rb"(\.?[A-Za-z0-9_-]+):[A-Za-z0-9]+:[A-Za-z0-9_-]+", rb"\1:TIME:SIGNATURE", content)
    return b"\r\n".join(line for line in content.split(b"\r\n") if not line.startswith((b"Date:", b"Message-ID:")))


def test_the_server_gets_what_djangos_smtp_backend_would_send(smtp_server, user_factory):
    """The delivery path writes its own SMTP commands and fills each person's bytes into a shared
    rendering; the server must receive exactly what Django's backend sends for email_build's message."""
    from django.core.mail import get_connection

    from notifications.emails import email_build

    ids = fan_out(3)
    odd = user_factory(full_name="Ni Luh\tAyu", email="ayu.putu@example.test")  # a tab: the full rendering
    notify(recipient=odd, kind=Kind.PROPOSAL_STATUS, context={"title": "Jalan .", "status_label": "Disetujui"})
    ids.append(Notification.objects.get(recipient=odd).pk)
    assert services.notifications_deliver_emails(notification_ids=ids) == {"sent": 4}
    ours = list(zip(smtp_server.senders, smtp_server.messages, strict=True))
    del smtp_server.messages[:], smtp_server.senders[:]

    backend = get_connection()
    for notification in Notification.objects.select_related("recipient").order_by("pk"):
        assert backend.send_messages([email_build(notification)]) == 1
    django_sent = list(zip(smtp_server.senders, smtp_server.messages, strict=True))
    assert len(ours) == len(django_sent) == 4
    for (our_sender, (our_to, our_bytes)), (their_sender, (their_to, their_bytes)) in zip(ours, django_sent, strict=True):
        assert (our_sender, our_to) == (their_sender, their_to)
        assert _without_date_and_id(our_bytes) == _without_date_and_id(their_bytes)
