import asyncio
import contextlib
import time

import pytest
from django.utils import timezone

from accounts.models import User
from notifications import services
from tests.net import free_port

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


class SmtpRecorder:
    """An aiosmtpd handler that keeps what it receives: connections (one EHLO each), messages,
    and answers chosen per address (e.g. "550 no such user")."""

    def __init__(self, *, pipelining: bool = False):
        self.pipelining = pipelining  # offer PIPELINING in the EHLO reply, as Postfix does
        self.connections = 0
        self.messages: list[tuple[str, bytes]] = []
        self.senders: list[str] = []
        self.answers: dict[str, str] = {}
        self.delay = 0.0  # seconds before accepting each message: a slow mail server

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        self.connections += 1
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.answers:
            return self.answers[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        for address in envelope.rcpt_tos:
            self.messages.append((address, envelope.content))
            self.senders.append(envelope.mail_from)
        return "250 OK"

    def recipients(self) -> list[str]:
        return [address for address, _content in self.messages]



@pytest.fixture(params=["pipelining", "one command at a time"])
def smtp_server(settings, request):
    """A real SMTP server on localhost (aiosmtpd, in a thread), and Django's SMTP backend pointed at it.
    Every test runs against a server that offers PIPELINING (notifications/smtp.py sends a message
    in one round trip) and one that does not (smtplib's sendmail, a command at a time)."""
    from aiosmtpd.controller import Controller

    recorder = SmtpRecorder(pipelining=request.param == "pipelining")
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port(), server_hostname="smtp.test")
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    recorder.port = controller.port
    yield recorder
    controller.stop()
