from celery import shared_task

from .services import rounds_switch_phases


@shared_task(acks_late=True)
def switch_phases() -> dict[str, str]:
    """Beat, every minute: each round moves along its PhaseSchedule. Idempotent."""
    return rounds_switch_phases()
