import importlib
import io
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


@pytest.fixture(scope="session", autouse=True)
def flush_by_delete():
    """A transactional test ends with Django's flush, a TRUNCATE of every table (pytest-django's
    transactional_db, browser tests with live_server). On PostgreSQL a TRUNCATE of some 50 tables
    of a few rows took 3.5 s here (each table and index gets new files) where a DELETE of each took
    0.05 s, and 1.1 s against 5.5 s with the demo data in them. Same end: every row gone, sequences
    left where they were, post_migrate run after. Foreign keys are deferred, so the order of the
    DELETEs does not matter; a flush that asks for more (RESTART IDENTITY, CASCADE) is left as is."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return [f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};" for table in tables]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


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


@pytest.fixture(scope="session")
def demo_copy(django_db_setup, django_db_blocker):
    """The demo data of `make run` (`seed_demo --size small`), seeded once per session through the
    services onto an empty database, as a transactional test finds it (flushed, then the wilayah
    and categories that migrations load put back), and copied table by table (tests/database_copy.py).
    The database is then put back as it was, and the shared cache keys the seeding wrote are removed."""
    from django.db import connection

    from tests.database_copy import database_copy, database_restore

    with django_db_blocker.unblock():
        before = database_copy(connection)
        try:
            _demo_seed_on_an_empty_database(connection)
            seeded = database_copy(connection)
        finally:
            database_restore(connection, before)
            cache_clear_own_keys()
    return seeded


def _demo_seed_on_an_empty_database(connection) -> None:
    from django.core.management import call_command
    from django.core.management.sql import emit_post_migrate_signal

    from rounds.models import Category
    from wilayah.services import wilayah_ensure

    categories = importlib.import_module("rounds.migrations.0002_categories").CATEGORIES

    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
        cursor.execute(f"TRUNCATE {', '.join(quote(table) for table in tables)} RESTART IDENTITY")
    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)  # as flush does
    wilayah_ensure()
    for order, (slug, name, name_en, color) in enumerate(categories, start=1):
        Category.objects.get_or_create(slug=slug, defaults={"name": name, "name_en": name_en, "color": color,
                                                            "order": order})
    call_command("seed_demo", size="small", stdout=io.StringIO())


@pytest.fixture
def demo(demo_copy):
    """The demo data of `make run` in this test's database, as `seed_demo --size small` leaves it on
    an empty one: every table emptied and filled from the session's copy. In a transactional test
    it is committed (the live server reads it); otherwise it is part of the test's transaction."""
    from django.contrib.contenttypes.models import ContentType

    demo_put_back(demo_copy)
    yield
    ContentType.objects.clear_cache()  # a rollback brings back content types with other ids


def demo_put_back(copy) -> None:
    from django.db import connection

    from tests.database_copy import database_restore

    database_restore(connection, copy)
    # Every test gets the same ids, and a COPY sends no signal to drop a cached copy: nothing an
    # earlier test cached under them may be read (empty_shared_cache empties the keys after each
    # test, but a late request of its live server could still write one).
    cache_clear_own_keys()


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
