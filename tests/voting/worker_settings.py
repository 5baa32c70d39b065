"""Settings of the Celery worker and beat that tests start as subprocesses (tests/voting/test_tally_reliability.py):
the test settings, plus a module that makes each new snapshot take a while, so that a test
can kill the worker in the middle of a tally. Beat sends only the tally sweep."""

from balikpapan_pb.settings.base import CELERY_BEAT_SCHEDULE as _PRODUCTION_BEAT_SCHEDULE
from balikpapan_pb.settings.test import *  # noqa: F401,F403

CELERY_IMPORTS = ["tests.voting.slow_tally"]
CELERY_BEAT_SCHEDULE = {"voting-tally-sweep": _PRODUCTION_BEAT_SCHEDULE["voting-tally-sweep"]}
