"""Writes. Events come in through notify / notify_many; delivery reads the outbox back.

Every message is a row first (in the caller's transaction), a Celery task second (after
commit, and allowed to fail): the sweep delivers whatever a lost task left behind.
"""

import datetime as dt
import logging
import time
from collections.abc import Iterable

from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from accounts.models import User

from .emails import email_build
from .kinds import Channel, Kind
from .models import EmailStatus, FanoutBatch, Notification, OptOut
from .selectors import can_receive_email, opted_out, unsubscribe_target

logger = logging.getLogger(__name__)

BATCH_SIZE = 500  # recipients per fan-out task
# A row handed to a task is left alone by the sweep for this long; after that the sweep
# assumes the task was lost (broker down, worker killed) and offers the row again.
LEASE = dt.timedelta(minutes=2)
MAX_EMAIL_ATTEMPTS = 8
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


def _on_commit(func, *args) -> None:
    # robust: a broker outage must not turn a saved event into an error page (it is logged).
    transaction.on_commit(lambda: _publish(func, *args), robust=True)


# --- the public API -------------------------------------------------------------------------

def notify(*, recipient: User, kind: str, context: dict, url: str = "") -> Notification | None:
    """One message to one person, on the channels they want. Call it inside the event's transaction."""
    kind = Kind(kind)
    if not recipient.is_active:
        return None
    with transaction.atomic():
        off = opted_out(user=recipient, kind=kind)
        email = (kind, Channel.EMAIL) not in off and can_receive_email(recipient)
        inbox = (kind, Channel.INBOX) not in off
        if not (email or inbox):
            return None
        notification = Notification(
            recipient=recipient, kind=kind, context=dict(context or {}), url=url or "", in_inbox=inbox,
            email_status=EmailStatus.QUEUED if email else EmailStatus.NONE,
            next_attempt_at=timezone.now() + LEASE if email else None,
        )
        notification.full_clean(exclude=["recipient", "batch"])
        notification.save()
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
        batch.done_at = now
        batch.save(update_fields=["done_at"])
    return len(rows)


def fanout_batch_deliver(*, batch_id: int) -> dict[str, int]:
    fanout_batch_expand(batch_id=batch_id)
    ids = list(
        Notification.objects.filter(batch_id=batch_id, email_status=EmailStatus.QUEUED).values_list("pk", flat=True)
    )
    return notifications_deliver_emails(notification_ids=ids)


def notifications_deliver_emails(*, notification_ids: list[int]) -> dict[str, int]:
    """Delivers several emails over one mail connection; failures wait for their retry time."""
    outcomes: dict[str, int] = {}
    connection = get_connection()
    try:
        for pk in notification_ids:
            outcome = notification_deliver_email(notification_id=pk, connection=connection)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    finally:
        connection.close()
    return outcomes


def notification_deliver_email(*, notification_id: int, connection=None) -> str:
    """Sends one email at most once. Returns "sent", "skipped", "retry" or "failed".

    The row stays locked while the mail server talks to us, so a second task for the same
    row (a duplicate, the sweep) skips it instead of waiting, and then finds it sent.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, email_status=EmailStatus.QUEUED)
            .first()
        )
        if notification is None:
            return "skipped"
        user = notification.recipient
        # Preferences may have changed since the event: honour the latest ones.
        if not can_receive_email(user) or OptOut.objects.filter(
            user=user, kind=notification.kind, channel=Channel.EMAIL
        ).exists():
            notification.email_status = EmailStatus.NONE
            notification.next_attempt_at = None
            notification.last_error = "opted out or address not verified at delivery"
            notification.save(update_fields=["email_status", "next_attempt_at", "last_error"])
            return "skipped"
        try:
            email_build(notification, connection=connection).send()
        except Exception as exc:  # the mail server, a network error, a broken template: try again later
            # The class only: an SMTP error's text can carry the recipient's address.
            logger.warning("notification %s: email failed: %s", notification.pk, type(exc).__name__)
            notification.email_attempts += 1
            notification.last_error = repr(exc)[:2000]
            if notification.email_attempts >= MAX_EMAIL_ATTEMPTS:
                notification.email_status = EmailStatus.FAILED
                notification.next_attempt_at = None
                outcome = "failed"
            else:
                notification.next_attempt_at = timezone.now() + email_retry_delay(notification.email_attempts)
                outcome = "retry"
            notification.save(update_fields=["email_attempts", "last_error", "email_status", "next_attempt_at"])
            return outcome
        notification.email_status = EmailStatus.SENT
        notification.email_attempts += 1
        notification.sent_at = timezone.now()
        notification.next_attempt_at = None
        notification.save(update_fields=["email_status", "email_attempts", "sent_at", "next_attempt_at"])
        return "sent"


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
        notification_ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(email_status=EmailStatus.QUEUED, next_attempt_at__lte=now)
            .order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
        )
        Notification.objects.filter(pk__in=notification_ids).update(next_attempt_at=now + LEASE)
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
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, in_inbox=True, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preferences_update(*, user: User, enabled: set[tuple[str, str]]) -> None:
    """`enabled` holds the (kind, channel) pairs that stay on; every other pair is switched off."""
    off = [(kind, channel) for kind in Kind.values for channel in Channel.values if (kind, channel) not in enabled]
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

