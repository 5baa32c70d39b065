from celery import shared_task

from .services import journey_apply_published_results


@shared_task(acks_late=True)
def apply_published_results() -> int:
    """Beat, every minute: a published PB result moves the usulan it funds on along their journey.
    Voting does not know Musrenbang exists; this reads its published snapshots. Idempotent."""
    return journey_apply_published_results()
