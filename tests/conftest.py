import os

import pytest
from hypothesis import settings
from pytest_factoryboy import register

from tests.factories import UserFactory

register(UserFactory, "user")

# Hypothesis: `make test` runs the same examples every time (derandomized, no example
# database), so a red build is a real change and not a lucky draw; `make fuzz`
# (HYPOTHESIS_PROFILE=fuzz) searches at random with five times the examples of each test.
# Tests size their example counts with tests.hypothesis_examples.examples().
settings.register_profile("default", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("fuzz", derandomize=False, database=None, deadline=None, print_blob=True, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in Bahasa Indonesia: a request to /en/ leaves English active in the
    thread, and reverse() would then build /en/ URLs for the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def throttle_counters_reset():
    """Each test starts with no throttle counted (accounts/throttle.py): they live in Redis, which
    outlives a test's database transaction. Only the throttle's own keys are deleted."""
    from django.conf import settings
    from django.core.cache import caches

    def clear():
        cache = caches["throttle"]
        if settings.CACHES["throttle"]["BACKEND"].endswith("RedisCache"):
            client = cache._cache.get_client(write=True)
            keys = list(client.scan_iter(match=f"{settings.CACHES['throttle']['KEY_PREFIX']}:*", count=1000))
            if keys:
                client.delete(*keys)
        else:
            cache.clear()

    clear()
    yield
    clear()


@pytest.fixture(autouse=True)
def empty_shared_cache():
    """Each test starts with none of the last test's sessions, users or counts in the shared
    cache: the database rolls back, Redis does not. Only this checkout's keys (the prefix names
    its test database) are removed, never the Celery broker's in the same Redis database."""
    yield
    cache_clear_own_keys()


def cache_clear_own_keys() -> None:
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def kelurahan_code():
    return "64.71.05.1006"  # Gunung Bahagia


@pytest.fixture
def celery_live_worker(transactional_db, settings):
    """A real Celery worker (in a thread of this process) consuming every queue on real Redis."""
    from celery.contrib.testing.worker import start_worker

    from balikpapan_pb.celery import app
    from wilayah.services import wilayah_ensure

    wilayah_ensure()
    app.conf.task_always_eager = False
    queues = ["celery", "tally", "notifications"]
    with app.connection_for_write() as conn:
        for queue in queues:
            conn.default_channel.queue_purge(queue) if _queue_exists(conn, queue) else None
    with start_worker(app, pool="threads", concurrency=2, queues=queues, perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


def _queue_exists(conn, queue: str) -> bool:
    try:
        conn.default_channel.queue_declare(queue, passive=True)
        return True
    except Exception:
        return False


# --- rounds and proposals (issue 3) ---------------------------------------------------------
from tests.factories import AreaFactory, ProposalFactory, RoundFactory  # noqa: E402

register(RoundFactory, "round")
register(AreaFactory, "area")
register(ProposalFactory, "proposal")
