"""Writes. Events come in through notify / notify_many; delivery reads the outbox back.

Every message is a row first (in the caller's transaction), a Celery task second (after
commit, and allowed to fail): the sweep delivers whatever a lost task left behind.
"""

import contextlib
import datetime as dt
import json
import logging
import smtplib
import time
from collections import Counter
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.mail import get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Exists, F, OuterRef, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import User

from . import smtp
from .emails import EmailRenderer
from .kinds import ALWAYS_SENT, Channel, Kind
from .models import EmailStatus, FanoutBatch, Notification, OptOut
from .selectors import RECOUNT, can_receive_email, opted_out, unread_count_key, unsubscribe_target

logger = logging.getLogger(__name__)

BATCH_SIZE = 500  # recipients per fan-out task
# A row handed to a task is left alone by the sweep for this long; after that the sweep
# assumes the task was lost (broker down, worker killed) and offers the row again.
LEASE = dt.timedelta(minutes=2)
MAX_EMAIL_ATTEMPTS = 8
# Emails are claimed, sent and recorded EMAIL_CHUNK rows at a time: a worker that dies in the
# middle of a chunk makes at most these messages go out twice.
EMAIL_CHUNK = 100
# A claimed chunk is "sending" until this much later; then the sweep offers it again. The
# worker starts no message after SEND_STOP_AFTER, so one still in flight (each SMTP step
# times out after EMAIL_TIMEOUT, 15 s) and the final UPDATE fit in the lease.
SEND_LEASE = dt.timedelta(minutes=5)
SEND_STOP_AFTER = dt.timedelta(minutes=3)
SWEEP_LIMIT = 20_000  # rows per sweep run; the next run (a minute later) takes the rest


def email_retry_delay(attempts: int) -> dt.timedelta:
    """1, 2, 4, ... minutes after each failure, at most 6 hours."""
    return dt.timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 6 * 3600))


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- queueing (after commit, never raising to the caller) ---------------------------------

def _queue_deliveries(notification_ids: list[int]) -> None:
    from . import tasks

    if len(notification_ids) == 1:
        tasks.deliver.delay(notification_ids[0])
    else:
        for chunk in _chunks(notification_ids, BATCH_SIZE):
            tasks.deliver_many.delay(chunk)


def _queue_batches(batch_ids: list[int]) -> None:
    from . import tasks

    # The first failure stops the loop: with the broker down every publish would wait for
    # its timeout, and the sweep will offer the rest anyway.
    for batch_id in batch_ids:
        tasks.deliver_fanout_batch.delay(batch_id)


# After a failed publish this process stops trying for a while: with the broker down each
# attempt costs its connection timeout, and a request notifying ten people should not wait
# ten times. The rows are safe in the database; the sweep delivers them.
PUBLISH_PAUSE_SECONDS = 30.0
_publish_paused_until = 0.0


def _publish(func, *args) -> None:
    global _publish_paused_until
    if time.monotonic() < _publish_paused_until:
        logger.info("broker unreachable a moment ago: %s left to the outbox sweep", func.__name__)
        return
    try:
        func(*args)
    except Exception:
        _publish_paused_until = time.monotonic() + PUBLISH_PAUSE_SECONDS
        raise


def publish_now(func, *args) -> bool:
    """Hand a message to the broker unless it failed a moment ago in this process: whether it was
    handed over. Never raises (a failure is logged and pauses publishing, as `_publish` does), so
    a caller that must not lose its message does the work itself when this is False."""
    if time.monotonic() < _publish_paused_until:
        return False
    try:
        _publish(func, *args)
    except Exception:  # kombu's OperationalError and friends: Redis is unreachable
        logger.warning("broker unreachable: %s not handed over", getattr(func, "__name__", func), exc_info=True)
        return False
    return True


def _on_commit(func, *args) -> None:
    # robust: a broker outage must not turn a saved event into an error page (it is logged).
    transaction.on_commit(lambda: _publish(func, *args), robust=True)


def _unread_forget(user_ids: Iterable[int]) -> None:
    """The cached unread counts of these people are replaced by a marker that makes pages count
    afresh for a while, so a page read before this transaction commits cannot keep the old count
    (selectors.inbox_unread_count)."""
    keys = [unread_count_key(pk) for pk in user_ids]
    if keys and settings.CACHE_CHANGE_GUARD_SECONDS:
        cache.set_many(dict.fromkeys(keys, RECOUNT), settings.CACHE_CHANGE_GUARD_SECONDS)
    elif keys:
        cache.delete_many(keys)


# --- the public API -------------------------------------------------------------------------

def notify(*, recipient: User, kind: str, context: dict, url: str = "", inbox: bool = True) -> Notification | None:
    """One message to one person, on the channels they want. Call it inside the event's transaction.
    With inbox=False it is an e-mail only (a receipt the person already saw on the page)."""
    kind = Kind(kind)
    if not recipient.is_active:
        return None
    with transaction.atomic():
        off = set() if kind in ALWAYS_SENT else opted_out(user=recipient, kind=kind)
        email = (kind, Channel.EMAIL) not in off and can_receive_email(recipient)
        inbox = inbox and (kind, Channel.INBOX) not in off
        if not (email or inbox):
            return None
        notification = Notification(
            recipient=recipient, kind=kind, context=dict(context or {}), url=url or "", in_inbox=inbox,
            email_status=EmailStatus.QUEUED if email else EmailStatus.NONE,
            next_attempt_at=timezone.now() + LEASE if email else None,
        )
        notification.full_clean(exclude=["recipient", "batch"])
        notification.save()
        if inbox:
            _unread_forget([recipient.pk])
        if email:
            _on_commit(_queue_deliveries, [notification.pk])
    return notification


def notify_many(*, recipient_ids: Iterable[int], kind: str, context: dict, url: str = "") -> int:
    """The same message to many people: one durable batch row (and one task) per BATCH_SIZE recipients.

    Preferences are applied by the batch task. Returns how many recipients were queued.
    """
    kind = Kind(kind)
    ids = sorted({int(pk) for pk in recipient_ids})
    if not ids:
        return 0
    lease_until = timezone.now() + LEASE
    with transaction.atomic():
        batches = FanoutBatch.objects.bulk_create(
            FanoutBatch(kind=kind, context=dict(context or {}), url=url or "", recipient_ids=chunk,
                        next_attempt_at=lease_until)
            for chunk in _chunks(ids, BATCH_SIZE)
        )
        _on_commit(_queue_batches, [batch.pk for batch in batches])
    return len(ids)


# --- delivery (called by tasks) -------------------------------------------------------------

def fanout_batch_expand(*, batch_id: int) -> int:
    """Writes the Notification rows of one batch, once. Returns how many were written."""
    now = timezone.now()
    with transaction.atomic():
        batch = (
            FanoutBatch.objects.select_for_update(skip_locked=True)
            .filter(pk=batch_id, done_at__isnull=True).first()
        )
        if batch is None:  # done already, or another worker is on it right now
            return 0
        if db_connection.vendor == "postgresql":
            written = _fanout_rows_insert(batch=batch, now=now)
        else:  # the SQLite of `make run`
            written = _fanout_rows_create(batch=batch, now=now)
        _unread_forget([recipient_id for recipient_id, in_inbox in written if in_inbox])
        batch.done_at = now
        batch.save(update_fields=["done_at"])
    return len(written)


def _fanout_rows_insert(*, batch: FanoutBatch, now: dt.datetime) -> list[tuple[int, bool]]:
    """One INSERT ... SELECT: PostgreSQL reads the batch's recipients, their opt-outs and
    addresses and writes the rows; nothing per recipient passes through Python but the answer.
    The same rows as _fanout_rows_create (a test compares them)."""
    notification, user, optout = (model._meta.db_table for model in (Notification, User, OptOut))
    sql = f"""
        INSERT INTO {notification} (recipient_id, kind, context, url, batch_id, created_at, in_inbox, read_at,
                                    email_status, email_attempts, next_attempt_at, sent_at, last_error)
        SELECT who.id, b.kind, b.context, b.url, b.id, %(now)s, NOT who.inbox_off, NULL,
               CASE WHEN who.email THEN %(queued)s ELSE %(none)s END, 0,
               CASE WHEN who.email THEN %(lease)s::timestamptz END, NULL, ''
        FROM {FanoutBatch._meta.db_table} b
        CROSS JOIN LATERAL (
            SELECT u.id,
                   EXISTS (SELECT 1 FROM {optout} o WHERE o.user_id = u.id AND o.kind = b.kind
                           AND o.channel = %(inbox)s) AS inbox_off,
                   COALESCE(u.email, '') <> '' AND u.email_verified_at IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM {optout} o WHERE o.user_id = u.id AND o.kind = b.kind
                                   AND o.channel = %(email)s) AS email
            FROM {user} u
            WHERE u.id IN (SELECT (jsonb_array_elements_text(b.recipient_ids))::bigint) AND u.is_active
        ) who
        WHERE b.id = %(batch)s AND (who.email OR NOT who.inbox_off)
        RETURNING recipient_id, in_inbox
    """
    with db_connection.cursor() as cursor:
        cursor.execute(sql, {
            "now": now, "lease": now + LEASE, "batch": batch.pk, "queued": EmailStatus.QUEUED.value,
            "none": EmailStatus.NONE.value, "inbox": Channel.INBOX.value, "email": Channel.EMAIL.value,
        })
        return cursor.fetchall()


def _fanout_rows_create(*, batch: FanoutBatch, now: dt.datetime) -> list[tuple[int, bool]]:
    users = User.objects.filter(pk__in=batch.recipient_ids, is_active=True).values_list(
        "pk", "email", "email_verified_at"
    )
    off = set(OptOut.objects.filter(user_id__in=batch.recipient_ids, kind=batch.kind).values_list("user_id", "channel"))
    rows = []
    for pk, address, verified_at in users:
        email = (pk, Channel.EMAIL) not in off and bool(address and verified_at)
        inbox = (pk, Channel.INBOX) not in off
        if email or inbox:
            rows.append(Notification(
                recipient_id=pk, kind=batch.kind, context=batch.context, url=batch.url, batch=batch,
                in_inbox=inbox, email_status=EmailStatus.QUEUED if email else EmailStatus.NONE,
                next_attempt_at=now + LEASE if email else None,
            ))
    Notification.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return [(row.recipient_id, row.in_inbox) for row in rows]


def fanout_batch_deliver(*, batch_id: int) -> dict[str, int]:
    fanout_batch_expand(batch_id=batch_id)
    ids = list(
        Notification.objects.filter(batch_id=batch_id, email_status=EmailStatus.QUEUED).values_list("pk", flat=True)
    )
    return notifications_deliver_emails(notification_ids=ids)


def notifications_deliver_emails(*, notification_ids: list[int], connection=None) -> dict[str, int]:
    """Delivers emails over one mail connection, EMAIL_CHUNK rows at a time.

    Returns how many were "sent", "skipped" (opted out, unverified, or not queued any more),
    "retry" (a temporary failure; the row waits for its next attempt), "failed" (refused for
    good, or out of attempts) and "released" (not tried: the connection broke or the lease
    ran short; the sweep offers them again).
    """
    outcomes: Counter[str] = Counter()
    own_connection = connection is None
    connection = connection or get_connection()
    renderer = EmailRenderer()  # one rendering per kind, language and content for the whole task
    try:
        for chunk in _chunks(list(notification_ids), EMAIL_CHUNK):
            if not _email_chunk_deliver(notification_ids=chunk, connection=connection, renderer=renderer,
                                        outcomes=outcomes):
                break  # the mail server is unreachable: the rest stays queued for the sweep
    finally:
        if own_connection:
            connection.close()
    return {outcome: count for outcome, count in outcomes.items() if count}


def notification_deliver_email(*, notification_id: int, connection=None) -> str:
    """Sends one email at most once. Returns "sent", "skipped", "retry" or "failed"."""
    outcomes = notifications_deliver_emails(notification_ids=[notification_id], connection=connection)
    return next(iter(outcomes), "skipped")


class _Recipient:
    """What delivery reads of a User, from the claim query's row (no model instance per message)."""

    __slots__ = ("pk", "email", "phone", "full_name", "language", "is_active", "email_verified_at")
    get_short_name = User.get_short_name
    contact = User.contact

    def __init__(self, pk, email, phone, full_name, language, is_active, email_verified_at):
        self.pk, self.email, self.phone, self.full_name = pk, email, phone, full_name
        self.language, self.is_active, self.email_verified_at = language, is_active, email_verified_at


class _Claimed:
    """One claimed notification as delivery reads it (the fields emails.py renders from)."""

    __slots__ = ("pk", "kind", "context_text", "url", "email_attempts", "recipient", "email_off", "_context")

    def __init__(self, pk, kind, context_text, url, email_attempts, email_off, recipient: _Recipient, contexts: dict):
        self.pk, self.kind, self.context_text, self.url = pk, kind, context_text, url
        self.email_attempts, self.email_off, self.recipient = email_attempts, email_off, recipient
        # Identical contexts (a fan-out) are decoded once per chunk.
        if context_text not in contexts:
            contexts[context_text] = json.loads(context_text)
        self._context = contexts[context_text]

    @property
    def context(self) -> dict:
        return self._context

    @property
    def recipient_id(self) -> int:
        return self.recipient.pk


_CLAIM_FIELDS = ("pk", "kind", "context_text", "url", "email_attempts", "email_off", "recipient_id",
                 "recipient__email", "recipient__phone", "recipient__full_name", "recipient__language",
                 "recipient__is_active", "recipient__email_verified_at")


def _email_chunk_claim(*, notification_ids: list[int]) -> tuple[list[_Claimed], dt.datetime]:
    """Marks the chunk's queued rows "sending" until a lease time that also names this claim.

    SKIP LOCKED: rows another worker is claiming right now are left to it. Rows whose person
    opted out or lost their verified address since the event get no email.
    """
    lease_until = timezone.now() + SEND_LEASE
    email_off = OptOut.objects.filter(user=OuterRef("recipient"), kind=OuterRef("kind"), channel=Channel.EMAIL)
    contexts: dict[str, dict] = {}
    with transaction.atomic():
        rows = [
            _Claimed(*row[:6], _Recipient(*row[6:]), contexts)
            for row in Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .annotate(email_off=Exists(email_off), context_text=Cast("context", TextField()))
            .filter(pk__in=notification_ids, email_status=EmailStatus.QUEUED)
            .order_by("pk")
            .values_list(*_CLAIM_FIELDS)
        ]
        claimed = [row for row in rows if not row.email_off and can_receive_email(row.recipient)]
        skipped = [row.pk for row in rows if row.email_off or not can_receive_email(row.recipient)]
        if skipped:
            Notification.objects.filter(pk__in=skipped).update(
                email_status=EmailStatus.NONE, next_attempt_at=None,
                last_error="opted out or address not verified at delivery",
            )
        if claimed:
            Notification.objects.filter(pk__in=[row.pk for row in claimed]).update(
                email_status=EmailStatus.SENDING, email_attempts=F("email_attempts") + 1, next_attempt_at=lease_until,
            )
    for row in claimed:
        row.email_attempts += 1
    return claimed, lease_until


class _ConnectionLost(Exception):
    pass


_smtp_code = smtp.exc_code


def _email_send_one(connection, email) -> None:
    """Raises the error that concerns this message alone, or _ConnectionLost."""
    try:
        connection.open()  # once: the SMTP backend keeps a connection it opened here
        if connection.send_messages([email]) != 1:
            raise smtplib.SMTPException("the mail backend sent nothing")
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError,
            smtplib.SMTPNotSupportedError):
        raise  # this message only; the connection stays usable (smtplib sent RSET)
    except (smtplib.SMTPException, OSError) as exc:  # disconnected, timed out, refused at connect
        with contextlib.suppress(Exception):
            connection.close()
        raise _ConnectionLost from exc


def _email_chunk_deliver(*, notification_ids: list[int], connection, renderer: EmailRenderer,
                         outcomes: Counter) -> bool:
    """Claim, send over the open connection, record: three short transactions, none held while
    the mail server talks. Returns False when the connection broke.

    A worker that dies between claim and record leaves the chunk "sending"; when the lease runs
    out the sweep queues it again, so at most this chunk is sent twice. To keep that bound while
    alive, the worker stops starting messages well before its lease ends.
    """
    claimed, lease_until = _email_chunk_claim(notification_ids=notification_ids)
    outcomes["skipped"] += len(set(notification_ids)) - len(claimed)
    if not claimed:
        return True
    stop_at = time.monotonic() + SEND_STOP_AFTER.total_seconds()
    renderer.add(claimed)
    if smtp.is_smtp(connection):
        return _email_chunk_send_smtp(claimed=claimed, lease_until=lease_until, connection=connection,
                                      renderer=renderer, outcomes=outcomes, stop_at=stop_at)
    sent: list[int] = []
    failures: dict[int, Exception] = {}
    released: list[int] = []
    connected = True
    try:
        for index, notification in enumerate(claimed):
            if time.monotonic() > stop_at:
                released = [row.pk for row in claimed[index:]]
                break
            try:
                _email_send_one(connection, renderer.build(notification))
            except _ConnectionLost as exc:
                failures[notification.pk] = exc.__cause__
                released = [row.pk for row in claimed[index + 1:]]
                connected = False
                break
            except Exception as exc:  # refused by the server, or a broken template: this message only
                failures[notification.pk] = exc
            else:
                sent.append(notification.pk)
    except BaseException:  # a time limit, a bug: record what is known, queue the rest again
        done = set(sent) | set(failures)
        released = [row.pk for row in claimed if row.pk not in done]
        raise
    finally:
        _email_chunk_record(claimed=claimed, lease_until=lease_until, sent=sent, failures=failures,
                            released=released, outcomes=outcomes)
    return connected


def _email_chunk_send_smtp(*, claimed, lease_until, connection, renderer: EmailRenderer, outcomes: Counter,
                           stop_at: float) -> bool:
    """The chunk over Django's SMTP connection without building message objects: each person's
    bytes from the shared rendering, pipelined to the server (notifications/smtp.py). The same
    bookkeeping as the loop in _email_chunk_deliver: sent, refused (this message only), not tried."""
    sender = smtp.PipelinedSender(connection)
    sent: list[int] = []
    failures: dict[int, Exception] = {}
    envelopes: dict[str, str] = {}

    def address(value: str) -> str:
        if value not in envelopes:
            envelopes[value] = smtp.envelope_address(value)
        return envelopes[value]

    def items():
        for row in claimed:
            if time.monotonic() > stop_at:
                return  # the rest is handed back below, before the lease ends
            try:
                from_address, to_address, data = renderer.envelope(row)
                item = (row.pk, address(from_address), address(to_address), data)
            except Exception as exc:  # a broken template or address: this message only
                failures[row.pk] = exc
                continue
            yield item

    connected = True
    try:
        for outcome in sender.send(items()):
            if outcome.error is None:
                sent.append(outcome.key)
            else:
                failures[outcome.key] = outcome.error
    except smtp.ConnectionLost as exc:
        connected = False
        undecided = [row.pk for row in claimed if row.pk not in failures and row.pk not in sent]
        failed = sender.in_flight if sender.in_flight is not None else (undecided[0] if undecided else None)
        if failed is not None:
            failures[failed] = exc.__cause__ or exc
    finally:
        done = set(sent) | set(failures)
        released = [row.pk for row in claimed if row.pk not in done]
        _email_chunk_record(claimed=claimed, lease_until=lease_until, sent=sent, failures=failures,
                            released=released, outcomes=outcomes)
    return connected


def _email_chunk_record(*, claimed, lease_until, sent, failures, released, outcomes: Counter) -> None:
    """One UPDATE for the sent rows (and a few more for failures). Only rows still under this
    claim are touched: if the lease ran out and the sweep took a row back, it is not ours now."""
    now = timezone.now()
    ours = Notification.objects.filter(email_status=EmailStatus.SENDING, next_attempt_at=lease_until)
    by_pk = {row.pk: row for row in claimed}
    with transaction.atomic():
        if sent:
            ours.filter(pk__in=sent).update(
                email_status=EmailStatus.SENT, sent_at=now, next_attempt_at=None, last_error=""
            )
            outcomes["sent"] += len(sent)
        if released:
            ours.filter(pk__in=released).update(
                email_status=EmailStatus.QUEUED, email_attempts=F("email_attempts") - 1,
                next_attempt_at=now + email_retry_delay(1),
            )
            outcomes["released"] += len(released)
        for pk, exc in failures.items():
            attempts = by_pk[pk].email_attempts
            code = _smtp_code(exc)
            # The class only: an SMTP error's text can carry the recipient's address.
            logger.warning("notification %s: email failed: %s %s", pk, type(exc).__name__, code or "")
            if (code is not None and code >= 500) or attempts >= MAX_EMAIL_ATTEMPTS:
                ours.filter(pk=pk).update(email_status=EmailStatus.FAILED, next_attempt_at=None,
                                          last_error=repr(exc)[:2000])
                outcomes["failed"] += 1
            else:
                ours.filter(pk=pk).update(email_status=EmailStatus.QUEUED, last_error=repr(exc)[:2000],
                                          next_attempt_at=now + email_retry_delay(attempts))
                outcomes["retry"] += 1


def outbox_sweep(*, limit: int = SWEEP_LIMIT) -> dict[str, int]:
    """Offers again what is due and not being handled: unexpanded batches, unsent emails.

    Each row taken gets a new lease, so the next sweep does not queue it a second time
    while its task waits in the queue.
    """
    now = timezone.now()
    with transaction.atomic():
        batch_ids = list(
            FanoutBatch.objects.select_for_update(skip_locked=True)
            .filter(done_at__isnull=True, next_attempt_at__lte=now)
            .order_by("next_attempt_at").values_list("pk", flat=True)[: max(limit // BATCH_SIZE, 1)]
        )
        FanoutBatch.objects.filter(pk__in=batch_ids).update(next_attempt_at=now + LEASE)
        due = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(email_status__in=[EmailStatus.QUEUED, EmailStatus.SENDING], next_attempt_at__lte=now)
            .order_by("next_attempt_at").values_list("pk", "email_status", "email_attempts")[:limit]
        )
        # A "sending" row whose lease ran out: its worker died mid-chunk (the message may or may
        # not have gone out). It is queued again, unless it has used up its attempts: a message
        # that kills every worker that tries it must not go round for ever.
        given_up = {pk for pk, status, attempts in due if status == EmailStatus.SENDING and attempts >= MAX_EMAIL_ATTEMPTS}
        notification_ids = [pk for pk, _status, _attempts in due if pk not in given_up]
        Notification.objects.filter(pk__in=notification_ids).update(
            email_status=EmailStatus.QUEUED, next_attempt_at=now + LEASE
        )
        Notification.objects.filter(pk__in=given_up).update(
            email_status=EmailStatus.FAILED, next_attempt_at=None,
            last_error="the worker stopped while sending, on every attempt",
        )
        if batch_ids:
            _on_commit(_queue_batches, batch_ids)
        if notification_ids:
            _on_commit(_queue_deliveries, notification_ids)
    return {"batches": len(batch_ids), "emails": len(notification_ids)}


def notifications_retry(*, notification_ids: Iterable[int]) -> int:
    """Admin "retry": failed (or stuck) emails go back to the queue with a fresh attempt count."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk__in=list(notification_ids), email_status__in=[EmailStatus.FAILED, EmailStatus.QUEUED])
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids).update(
            email_status=EmailStatus.QUEUED, email_attempts=0, last_error="", next_attempt_at=now + LEASE
        )
        if ids:
            _on_commit(_queue_deliveries, ids)
    return len(ids)


# --- the inbox and preferences --------------------------------------------------------------

def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Raises Notification.DoesNotExist for someone else's notification."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id, recipient=user, in_inbox=True)
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
            _unread_forget([user.pk])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    _unread_forget([user.pk])
    return Notification.objects.filter(recipient=user, in_inbox=True, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preferences_update(*, user: User, enabled: set[tuple[str, str]]) -> None:
    """`enabled` holds the (kind, channel) pairs that stay on; every other pair is switched off."""
    off = [(kind, channel) for kind in Kind.values for channel in Channel.values
           if (kind, channel) not in enabled and kind not in ALWAYS_SENT]
    OptOut.objects.filter(user=user).delete()
    OptOut.objects.bulk_create([OptOut(user=user, kind=kind, channel=channel) for kind, channel in off])


@transaction.atomic
def email_unsubscribe(*, token: str, all_kinds: bool = False) -> tuple[User, list[str]]:
    """Switches email off for the kind in the token (or for every kind). Raises BadToken."""
    user, kind = unsubscribe_target(token=token)
    kinds = list(Kind.values) if all_kinds else [kind]
    OptOut.objects.bulk_create(
        [OptOut(user=user, kind=k, channel=Channel.EMAIL) for k in kinds], ignore_conflicts=True
    )
    return user, kinds

