from celery import shared_task

import balikpapan_pb.celery  # noqa: F401  the project's app, which these tasks bind to (balikpapan_pb/__init__.py)

from .services import journey_apply_published_results


@shared_task(acks_late=True)
def apply_published_results() -> int:
    """Beat, every minute: a published PB result moves the usulan it funds on along their journey.
    Voting does not know Musrenbang exists; this reads its published snapshots. Idempotent."""
    return journey_apply_published_results()
