"""Settings of the Celery worker that tests/accounts/test_census_worker_loss.py starts as a subprocess:
the test settings, plus a module that slows a census import down enough to kill the worker in it."""

from balikpapan_pb.settings.test import *  # noqa: F401,F403

CELERY_IMPORTS = ["tests.accounts.slow_census"]
