import contextlib
import time

import pytest
from django.utils import timezone

from accounts.models import User
from notifications import services

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: a broker that is down


@contextlib.contextmanager
def broker_at(url: str):
    """Publish through `url` for a while (the worker, if any, keeps its own connection)."""
    from balikpapan_pb.celery import app

    def reset_pools():
        # Celery caches the connection pools built from the old URL.
        app._pool = None
        app.amqp._producer_pool = None
        services._publish_paused_until = 0.0  # this process forgets the outage at once

    previous = app.conf.broker_url
    app.conf.broker_url = url
    reset_pools()
    try:
        yield
    finally:
        app.conf.broker_url = previous
        reset_pools()


@pytest.fixture
def broker_down():
    with broker_at(CLOSED_PORT_BROKER):
        yield


def make_residents(count: int, *, prefix: str = "warga", language: str = "id") -> list[int]:
    """Many residents at once (bulk_create, no password hashing): their ids."""
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(email=f"{prefix}{i}@example.test", full_name=f"Warga {i}", email_verified_at=now,
                 language=language, password="!")
            for i in range(count)
        ],
        batch_size=2000,
    )
    return [user.pk for user in users]


def wait_until(predicate, *, timeout: float = 60, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


@pytest.fixture
def resident(user_factory):
    return user_factory(full_name="Siti Rahmawati")


@pytest.fixture
def other_resident(user_factory):
    return user_factory(full_name="Budi Santoso")
