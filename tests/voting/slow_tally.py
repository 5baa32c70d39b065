"""Imported by the test worker only (CELERY_IMPORTS in tests/voting/worker_settings.py): every
new snapshot takes SLOW_TALLY_SECONDS longer, inside its area's transaction, so a test can kill
the worker in the middle of a tally. The tally itself (rule, ballots, result) is the real one."""

import os
import time

from django.db.models.signals import pre_save
from django.dispatch import receiver

from voting.models import ResultSnapshot

SECONDS = float(os.environ.get("SLOW_TALLY_SECONDS", "2"))


@receiver(pre_save, sender=ResultSnapshot, dispatch_uid="tests.slow_tally")
def take_time(sender, instance, **kwargs):
    if instance.pk is None:
        time.sleep(SECONDS)
