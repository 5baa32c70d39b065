"""A PostgreSQL advisory lock that says "a live worker is doing this job" (a census import, a
tally run). PostgreSQL lets go of a session's advisory locks when its connection closes, so a
worker killed with SIGKILL frees its job at once; a row lock would have to stay in one open
transaction for the whole job, and a lease in Redis would go down with the broker. The
embedded SQLite of `make run` has one eager process: the job is always this process's."""

import contextlib
import time

from django.db import DatabaseError, connection


@contextlib.contextmanager
def worker_lock(namespace: int, key: int, *, tries: int = 1, pause: float = 0.2):
    """Yields whether this process now holds (namespace, key), asking up to `tries` times
    `pause` seconds apart; lets go when the block ends."""
    if connection.vendor != "postgresql":
        yield True
        return
    held = False
    for attempt in range(tries):
        if attempt:
            time.sleep(pause)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [namespace, key])
            held = cursor.fetchone()[0]
        if held:
            break
    try:
        yield held
    finally:
        if held:
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [namespace, key])


def worker_lock_is_held(namespace: int, key: int) -> bool:
    """Whether a live worker holds (namespace, key). Call inside a transaction: the test takes the
    lock for the rest of it, so no worker can start the job before the caller has acted."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [namespace, key])
        return not cursor.fetchone()[0]
