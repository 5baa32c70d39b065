"""The outbox: rows written with the event, delivered later, in the reader's language."""

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from notifications import services
from notifications.kinds import Channel, Kind
from notifications.messages import render_message
from notifications.models import EmailStatus, FanoutBatch, Notification, OptOut
from notifications.services import notify, notify_many
from notifications.tokens import unsubscribe_token_make

from .conftest import make_residents

pytestmark = pytest.mark.django_db

STATUS_CONTEXT = {"title": "Perbaikan drainase Jl. Sepinggan", "status_label": "Ditolak", "reason": "Sudah ada di APBD 2026"}


def test_notify_writes_an_email_and_an_inbox_entry_and_queues_delivery_on_commit(resident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        notification = notify(recipient=resident, kind=Kind.PROPOSAL_STATUS, context=STATUS_CONTEXT, url="/usulan/12/")
    assert notification.in_inbox is True
    assert notification.email_status == EmailStatus.QUEUED
    assert len(callbacks) == 1
    assert mail.outbox == []  # nothing is sent inside the request


def test_an_event_rolled_back_leaves_no_message_and_queues_nothing(resident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(recipient=resident, kind=Kind.PROPOSAL_STATUS, context=STATUS_CONTEXT)
            raise RuntimeError("the status change failed")
    assert not Notification.objects.exists()
    assert callbacks == []


def test_a_broker_that_is_down_does_not_reach_the_user(resident, broker_down, django_capture_on_commit_callbacks):
    started = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient=resident, kind=Kind.PROPOSAL_COMMENT, context={"title": "Taman"})
    assert Notification.objects.get().email_status == EmailStatus.QUEUED
    assert notification.pk
    assert timezone.now() - started < dt.timedelta(seconds=15)


def test_after_one_failed_publish_a_request_stops_waiting_for_the_broker(user_factory, broker_down, django_capture_on_commit_callbacks):
    followers = [user_factory() for _ in range(10)]
    started = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        for follower in followers:  # ten followers of a project, one progress update
            notify(recipient=follower, kind=Kind.PROJECT_PROGRESS, context={"title": "Taman Bekapai", "percent": 40})
    assert timezone.now() - started < dt.timedelta(seconds=6)  # one connection timeout, not ten
    assert Notification.objects.filter(email_status=EmailStatus.QUEUED).count() == 10


def test_preferences_choose_the_channels(resident):
    OptOut.objects.create(user=resident, kind=Kind.PROPOSAL_COMMENT, channel=Channel.EMAIL)
    comment = notify(recipient=resident, kind=Kind.PROPOSAL_COMMENT, context={})
    assert (comment.in_inbox, comment.email_status) == (True, EmailStatus.NONE)

    OptOut.objects.create(user=resident, kind=Kind.PROPOSAL_COMMENT, channel=Channel.INBOX)
    assert notify(recipient=resident, kind=Kind.PROPOSAL_COMMENT, context={}) is None

    status = notify(recipient=resident, kind=Kind.PROPOSAL_STATUS, context={})  # other kinds stay on
    assert (status.in_inbox, status.email_status) == (True, EmailStatus.QUEUED)


def test_an_unverified_address_gets_no_email(user_factory):
    person = user_factory(email_verified_at=None)
    notification = notify(recipient=person, kind=Kind.RESULTS_PUBLISHED, context={})
    assert (notification.in_inbox, notification.email_status) == (True, EmailStatus.NONE)


def test_an_unknown_kind_is_a_programming_error(resident):
    with pytest.raises(ValueError):
        notify(recipient=resident, kind="birthday", context={})


def test_messages_render_gracefully_without_optional_keys():
    message = render_message(kind=Kind.PROPOSAL_STATUS, context={"title": "Lampu jalan RT 12"}, language="id")
    assert message.subject == "Status usulan “Lampu jalan RT 12”: -"
    assert not any("Alasan" in line for line in message.lines)
    for kind in Kind.values:
        assert render_message(kind=kind, context={}, language="id").subject


def test_the_moderators_reason_is_in_the_message():
    message = render_message(kind=Kind.PROPOSAL_STATUS, context=STATUS_CONTEXT, language="id")
    assert "Alasan dari moderator: Sudah ada di APBD 2026" in message.lines


def test_the_closing_time_is_shown_in_local_time():
    message = render_message(
        kind=Kind.VOTING_CLOSING, language="id",
        context={"round_name": "AP 2027", "area_name": "Gunung Bahagia", "closes_at": "2027-03-01T15:00:00+00:00"},
    )
    assert "Pemungutan suara ditutup pada 1 Maret 2027 23:00 WITA." in message.lines  # 15:00 UTC


def test_delivery_sends_one_email_in_the_recipients_language_with_an_unsubscribe_link(resident, settings):
    settings.SITE_URL = "https://suarawarga.example"
    notification = notify(recipient=resident, kind=Kind.PROPOSAL_STATUS, context=STATUS_CONTEXT, url="/usulan/12/")
    assert services.notification_deliver_email(notification_id=notification.pk) == "sent"
    assert services.notification_deliver_email(notification_id=notification.pk) == "skipped"
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [resident.email]
    assert email.subject == "Status usulan “Perbaikan drainase Jl. Sepinggan”: Ditolak"
    assert "Alasan dari moderator: Sudah ada di APBD 2026" in email.body
    assert "https://suarawarga.example/usulan/12/" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert "https://suarawarga.example/notifikasi/berhenti-langganan/" in email.body
    assert "https://suarawarga.example/notifikasi/berhenti-langganan/" in html
    assert email.extra_headers["List-Unsubscribe"].startswith("<https://suarawarga.example/notifikasi/")
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT and notification.sent_at


def test_html_email_escapes_what_residents_wrote(resident):
    notification = notify(
        recipient=resident, kind=Kind.PROPOSAL_COMMENT,
        context={"title": "Taman", "commenter": "<script>x</script>", "excerpt": "<b>bagus</b>"},
    )
    services.notification_deliver_email(notification_id=notification.pk)
    html = mail.outbox[0].alternatives[0][0]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script>x</script>" in mail.outbox[0].body  # plain text stays plain


def test_a_failing_mail_server_is_retried_with_backoff_then_marked_failed(resident, monkeypatch):
    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("mail server went away")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    notification = notify(recipient=resident, kind=Kind.RESULTS_PUBLISHED, context={})

    assert services.notification_deliver_email(notification_id=notification.pk) == "retry"
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.QUEUED
    assert notification.email_attempts == 1
    assert "mail server went away" in notification.last_error
    first_delay = notification.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=30) < first_delay <= dt.timedelta(seconds=60)

    assert services.notification_deliver_email(notification_id=notification.pk) == "retry"
    notification.refresh_from_db()
    assert notification.next_attempt_at - timezone.now() > first_delay  # backs off

    Notification.objects.filter(pk=notification.pk).update(email_attempts=services.MAX_EMAIL_ATTEMPTS - 1)
    assert services.notification_deliver_email(notification_id=notification.pk) == "failed"
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.FAILED

    monkeypatch.undo()
    assert services.notifications_retry(notification_ids=[notification.pk]) == 1
    assert services.notification_deliver_email(notification_id=notification.pk) == "sent"
    assert len(mail.outbox) == 1


def test_a_later_opt_out_stops_an_email_still_in_the_queue(resident):
    notification = notify(recipient=resident, kind=Kind.PROJECT_PROGRESS, context={})
    OptOut.objects.create(user=resident, kind=Kind.PROJECT_PROGRESS, channel=Channel.EMAIL)
    assert services.notification_deliver_email(notification_id=notification.pk) == "skipped"
    assert mail.outbox == []
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.NONE and notification.in_inbox


def test_the_sweep_takes_only_what_is_due_and_leases_it(resident, django_capture_on_commit_callbacks):
    fresh = notify(recipient=resident, kind=Kind.RESULTS_PUBLISHED, context={})
    lost = notify(recipient=resident, kind=Kind.RESULTS_PUBLISHED, context={})
    Notification.objects.filter(pk=lost.pk).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.outbox_sweep() == {"batches": 0, "emails": 1}
    assert len(callbacks) == 1
    lost.refresh_from_db()
    assert lost.next_attempt_at > timezone.now()  # the next sweep leaves it to the queued task
    assert services.outbox_sweep() == {"batches": 0, "emails": 0}
    assert fresh.pk != lost.pk


def test_notify_many_writes_one_batch_per_chunk_in_the_callers_transaction(django_capture_on_commit_callbacks):
    ids = make_residents(1201)
    with django_capture_on_commit_callbacks() as callbacks:
        assert notify_many(recipient_ids=ids + ids[:10], kind=Kind.VOTING_OPENED, context={"round_name": "AP 2027"}) == 1201
    assert len(callbacks) == 1
    assert sorted(len(batch.recipient_ids) for batch in FanoutBatch.objects.all()) == [201, 500, 500]
    assert not Notification.objects.exists()  # rows are written by the batch tasks


def test_expanding_a_batch_twice_writes_each_row_once(user_factory):
    people = [user_factory() for _ in range(3)]
    OptOut.objects.create(user=people[0], kind=Kind.VOTING_OPENED, channel=Channel.EMAIL)
    OptOut.objects.create(user=people[1], kind=Kind.VOTING_OPENED, channel=Channel.EMAIL)
    OptOut.objects.create(user=people[1], kind=Kind.VOTING_OPENED, channel=Channel.INBOX)
    notify_many(recipient_ids=[p.pk for p in people], kind=Kind.VOTING_OPENED, context={})
    batch = FanoutBatch.objects.get()
    assert services.fanout_batch_expand(batch_id=batch.pk) == 2
    assert services.fanout_batch_expand(batch_id=batch.pk) == 0
    rows = {n.recipient_id: (n.in_inbox, n.email_status) for n in Notification.objects.all()}
    assert rows == {people[0].pk: (True, EmailStatus.NONE), people[2].pk: (True, EmailStatus.QUEUED)}
    assert services.fanout_batch_deliver(batch_id=batch.pk) == {"sent": 1}
    assert services.fanout_batch_deliver(batch_id=batch.pk) == {}
    assert [m.to for m in mail.outbox] == [[people[2].email]]


def test_preferences_update_switches_off_what_is_not_ticked(resident):
    services.preferences_update(user=resident, enabled={(k, c) for k in Kind.values for c in Channel.values} - {(Kind.PROPOSAL_COMMENT, Channel.EMAIL)})
    assert list(OptOut.objects.values_list("kind", "channel")) == [(Kind.PROPOSAL_COMMENT, Channel.EMAIL)]
    services.preferences_update(user=resident, enabled={(k, c) for k in Kind.values for c in Channel.values})
    assert not OptOut.objects.exists()


def test_unsubscribe_token_switches_off_that_kind_only(resident):
    token = unsubscribe_token_make(user_id=resident.pk, kind=Kind.VOTING_CLOSING)
    services.email_unsubscribe(token=token)
    services.email_unsubscribe(token=token)  # twice is fine
    assert list(OptOut.objects.values_list("kind", "channel")) == [(Kind.VOTING_CLOSING, Channel.EMAIL)]


def test_the_single_insert_writes_the_rows_the_python_expansion_writes(user_factory):
    """fanout_batch_expand writes a batch's rows in one INSERT ... SELECT on PostgreSQL; the
    same people get the same rows as the row-by-row expansion kept for SQLite."""
    people = [user_factory() for _ in range(7)]
    OptOut.objects.create(user=people[0], kind=Kind.VOTING_OPENED, channel=Channel.EMAIL)
    OptOut.objects.create(user=people[1], kind=Kind.VOTING_OPENED, channel=Channel.INBOX)
    OptOut.objects.create(user=people[2], kind=Kind.VOTING_OPENED, channel=Channel.EMAIL)
    OptOut.objects.create(user=people[2], kind=Kind.VOTING_OPENED, channel=Channel.INBOX)
    OptOut.objects.create(user=people[3], kind=Kind.PROPOSAL_COMMENT, channel=Channel.EMAIL)  # another kind
    type(people[4]).objects.filter(pk=people[4].pk).update(email_verified_at=None)
    type(people[5]).objects.filter(pk=people[5].pk).update(is_active=False)
    ids = [p.pk for p in people] + [10**9]  # and someone deleted since
    context = {"round_name": "AP 2027", "area_name": "Kota Balikpapan"}
    notify_many(recipient_ids=ids, kind=Kind.VOTING_OPENED, context=context, url="/putaran/")
    notify_many(recipient_ids=ids, kind=Kind.VOTING_OPENED, context=context, url="/putaran/")
    first, second = FanoutBatch.objects.order_by("pk")
    now = timezone.now()
    with transaction.atomic():
        by_sql = services._fanout_rows_insert(batch=first, now=now)
        by_python = services._fanout_rows_create(batch=second, now=now)
    assert sorted(by_sql) == sorted(by_python) and len(by_sql) == 5

    fields = ("recipient_id", "kind", "context", "url", "in_inbox", "read_at", "email_status", "email_attempts",
              "next_attempt_at", "sent_at", "last_error")  # created_at: the moment each was written
    rows = {batch: sorted(Notification.objects.filter(batch=batch).values_list(*fields)) for batch in (first, second)}
    assert rows[first] == rows[second]
    wanted = {people[0].pk: (True, EmailStatus.NONE), people[1].pk: (False, EmailStatus.QUEUED),
              people[3].pk: (True, EmailStatus.QUEUED), people[4].pk: (True, EmailStatus.NONE),
              people[6].pk: (True, EmailStatus.QUEUED)}
    assert {row[0]: (row[4], row[6]) for row in rows[first]} == wanted
