"""Imported by the test worker only (CELERY_IMPORTS in tests/accounts/worker_settings.py): a census
import reports its progress every 500 rows and takes SLOW_CENSUS_SECONDS at each report, so a test
can kill the worker in the middle of one. The import itself (parsing, hashing, storing) is the real one."""

import os
import time

from accounts import census

SECONDS = float(os.environ.get("SLOW_CENSUS_SECONDS", "0.3"))
census.PROGRESS_EVERY = 500
_import = census.census_import


def slow_census_import(*, lines, actor=None, progress=None):
    def slowed(done: int) -> None:
        progress(done)
        time.sleep(SECONDS)

    return _import(lines=lines, actor=actor, progress=slowed if progress else None)


census.census_import = slow_census_import
