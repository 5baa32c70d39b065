from celery import shared_task

import balikpapan_pb.celery  # noqa: F401  the project's app, which these tasks bind to (balikpapan_pb/__init__.py)

from .services import rounds_switch_phases


@shared_task(acks_late=True)
def switch_phases() -> dict[str, str]:
    """Beat, every minute: each round moves along its PhaseSchedule. Idempotent."""
    return rounds_switch_phases()
