"""Thin tasks: ids in, a service call, safe to run twice. Routed to the `notifications` queue."""

from celery import shared_task

import balikpapan_pb.celery  # noqa: F401  the project's app, which these tasks bind to (balikpapan_pb/__init__.py)

from . import services


class EmailNotSent(Exception):
    pass


@shared_task(bind=True, acks_late=True, max_retries=services.MAX_EMAIL_ATTEMPTS)
def deliver(self, notification_id: int) -> str:
    outcome = services.notification_deliver_email(notification_id=notification_id)
    if outcome == "retry":
        # The row carries its own retry time too, so the sweep delivers it if this retry is lost.
        attempts = self.request.retries + 1
        raise self.retry(exc=EmailNotSent(notification_id), countdown=services.email_retry_delay(attempts).total_seconds())
    return outcome


@shared_task(acks_late=True)
def deliver_many(notification_ids: list[int]) -> dict[str, int]:
    # Failures here wait for their next_attempt_at; the sweep offers them again.
    return services.notifications_deliver_emails(notification_ids=notification_ids)


@shared_task(acks_late=True)
def deliver_fanout_batch(batch_id: int) -> dict[str, int]:
    return services.fanout_batch_deliver(batch_id=batch_id)


@shared_task
def sweep() -> dict[str, int]:
    return services.outbox_sweep()
