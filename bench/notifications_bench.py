"""How long a city-wide fan-out takes with one Celery worker.

    DJANGO_SETTINGS_MODULE=balikpapan_pb.settings.test DATABASE_URL=postgres://... REDIS_URL=redis://... \
        .venv/bin/python -m bench.notifications_bench [N]

Creates N residents (bulk_create, default 10,000 or $BENCH_EMAILS: twenty fan-out batches) in the database DATABASE_URL points at
(migrating it first), starts one worker process (solo pool, concurrency 1) on the
`notifications` queue, calls notify_many for all of them and waits until every email is
sent and every inbox row exists. Emails go over SMTP (Django's SMTP backend settings) to a
local sink in its own process, which counts the connections and messages it receives and
drops them. Both sinks offer PIPELINING, as Postfix does:

- "minimal" (default): a few lines of asyncio that answer each command and count; about 0.1 ms
  of CPU a message, so the mail server is not what is measured;
- "aiosmtpd" (BENCH_SMTP_SINK=aiosmtpd): a complete SMTP server in Python, which costs more
  CPU per message than the worker now does and, on two shared cores, caps the wall rate.

The worker's CPU time (from /proc) divided by the messages sent, and its inverse, messages per
worker CPU second, are the steady figures on a shared machine: what one worker delivers with a
core to itself. Messages per second of wall time are given too; they vary with what else runs
(the sink, PostgreSQL, Redis and other people's work share the same two cores). The residents
are deleted again at the end.
"""

import multiprocessing
import os
import socket
import subprocess
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "balikpapan_pb.settings.test")

from django.core.mail.backends.base import BaseEmailBackend  # noqa: E402

EMAIL_PREFIX = "bench-notif-"
WORKER_SCRIPT = """
import os
import django
django.setup()
from django.conf import settings
settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
settings.EMAIL_HOST = "127.0.0.1"
settings.EMAIL_PORT = int(os.environ["BENCH_SMTP_PORT"])
settings.EMAIL_USE_TLS = False
settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
from balikpapan_pb.celery import app
app.worker_main(["worker", "-Q", "notifications", "-P", "solo", "-c", "1", "--loglevel=WARNING",
                 "-n", "bench-notifications@%h", "--without-heartbeat", "--without-gossip", "--without-mingle"])
"""


class SerializingBackend(BaseEmailBackend):
    """Does all the work of sending except talking to a mail server (for profiling by hand)."""

    def send_messages(self, email_messages):
        for message in email_messages:
            message.message().as_bytes()
        return len(email_messages)


SINK = os.environ.get("BENCH_SMTP_SINK", "minimal")


class _MinimalSmtp:
    """An SMTP sink in the fewest steps: every command gets its positive answer, DATA is read up to
    the final dot and counted. Answers every pipelined command of a packet in one write."""

    EHLO = b"250-bench.local\r\n250-PIPELINING\r\n250-SIZE 33554432\r\n250 8BITMIME\r\n"

    def __init__(self, counts):
        self.counts = counts
        self.buffer = b""
        self.in_data = False

    def connection_made(self, transport):
        self.transport = transport
        transport.write(b"220 bench.local ESMTP\r\n")

    def data_received(self, data):
        buffer, out = self.buffer + data, []
        while buffer:
            if self.in_data:
                if buffer.startswith(b".\r\n"):
                    end = 3
                else:
                    end = buffer.find(b"\r\n.\r\n")
                    if end < 0:
                        break
                    end += 5
                buffer = buffer[end:]
                self.in_data = False
                self.counts["messages"] += 1
                out.append(b"250 2.0.0 OK\r\n")
                continue
            end = buffer.find(b"\r\n")
            if end < 0:
                break
            verb, buffer = buffer[:4].upper(), buffer[end + 2:]
            if verb == b"EHLO":
                self.counts["connections"] += 1
                out.append(self.EHLO)
            elif verb == b"DATA":
                self.in_data = True
                out.append(b"354 go ahead\r\n")
            elif verb == b"QUIT":
                out.append(b"221 bye\r\n")
            else:  # MAIL, RCPT, RSET, NOOP, HELO
                out.append(b"250 OK\r\n")
        self.buffer = buffer
        if out:
            self.transport.write(b"".join(out))

    def connection_lost(self, exc):
        pass

    def eof_received(self):
        return False


def _minimal_sink(port, connections, messages, stop) -> None:
    import asyncio

    counts = {"connections": 0, "messages": 0}

    async def serve():
        server = await asyncio.get_running_loop().create_server(lambda: _MinimalSmtp(counts), "127.0.0.1", port)
        async with server:
            await asyncio.to_thread(stop.wait)

    asyncio.run(serve())
    connections.value, messages.value = counts["connections"], counts["messages"]


class _CountingHandler:
    """aiosmtpd handler: counts SMTP sessions (one EHLO each) and messages, keeps nothing."""

    def __init__(self, connections, messages):
        self.connections = connections
        self.messages = messages

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self.connections.get_lock():
            self.connections.value += 1
        responses.insert(-1, "250-PIPELINING")  # aiosmtpd reads pipelined commands in order
        return responses

    async def handle_DATA(self, server, session, envelope):
        with self.messages.get_lock():
            self.messages.value += 1
        return "250 OK"


def smtp_sink(port, connections, messages, stop) -> None:
    """A local SMTP server in its own process (so its CPU is not the worker's)."""
    if SINK == "minimal":
        return _minimal_sink(port, connections, messages, stop)
    from aiosmtpd.controller import Controller

    # A fixed server name: without it aiosmtpd looks up this machine's name for every connection.
    controller = Controller(_CountingHandler(connections, messages), hostname="127.0.0.1", port=port,
                            server_hostname="bench.local")
    controller.start()
    stop.wait()
    controller.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _create_residents(count: int) -> list[int]:
    from django.utils import timezone

    from accounts.models import User

    now = timezone.now()
    ids: list[int] = []
    for start in range(0, count, 5000):
        users = User.objects.bulk_create(
            User(email=f"{EMAIL_PREFIX}{i}@bench.local", full_name=f"Warga Bench {i}", email_verified_at=now,
                 password="!", language="en" if i % 10 == 0 else "id")
            for i in range(start, min(start + 5000, count))
        )
        ids.extend(user.pk for user in users)
    return ids


def _cleanup(*, batches_after: int | None = None) -> None:
    from accounts.models import User
    from notifications.models import FanoutBatch

    User.objects.filter(email__startswith=EMAIL_PREFIX).delete()  # their notifications go with them
    if batches_after is not None:
        FanoutBatch.objects.filter(pk__gt=batches_after).delete()


def run(count: int = int(os.environ.get("BENCH_EMAILS", 10_000))) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from balikpapan_pb.celery import app
    from notifications.kinds import Kind
    from notifications.models import EmailStatus, FanoutBatch, Notification
    from notifications.services import BATCH_SIZE, notify_many

    # Queued, or claimed by a worker and on its way ("sending" exists once delivery is batched).
    PENDING = [status for status in ("queued", "sending") if status in EmailStatus.values]

    call_command("migrate", verbosity=0)
    _cleanup()
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("notifications")

    started = time.perf_counter()
    ids = _create_residents(count)
    create_seconds = time.perf_counter() - started

    spawn = multiprocessing.get_context("spawn")
    smtp_connections, smtp_messages, smtp_stop = spawn.Value("q", 0), spawn.Value("q", 0), spawn.Event()
    port = _free_port()
    sink = spawn.Process(target=smtp_sink, args=(port, smtp_connections, smtp_messages, smtp_stop), daemon=True)
    sink.start()
    worker = subprocess.Popen([sys.executable, "-c", WORKER_SCRIPT], env={**os.environ, "BENCH_SMTP_PORT": str(port)})
    try:
        time.sleep(5)  # let the worker connect before the clock starts
        first_batch = FanoutBatch.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

        cpu_before, sink_cpu_before = _cpu_seconds(worker.pid), _cpu_seconds(sink.pid)
        started = time.perf_counter()
        with transaction.atomic():
            queued = notify_many(
                recipient_ids=ids, kind=Kind.VOTING_OPENED, url="/",
                context={"round_name": "Anggaran Partisipatif 2027", "area_name": "Kota Balikpapan",
                         "closes_at": "2027-03-15T16:00:00+00:00"},
            )
        call_seconds = time.perf_counter() - started

        mine = Notification.objects.filter(batch_id__gt=first_batch)
        rows_seconds = None
        deadline = time.monotonic() + 3600
        while time.monotonic() < deadline:
            if rows_seconds is None and not FanoutBatch.objects.filter(pk__gt=first_batch, done_at__isnull=True).exists():
                rows_seconds = time.perf_counter() - started
            if rows_seconds is not None and not mine.filter(email_status__in=PENDING).exists():
                break
            time.sleep(0.5)
        total_seconds = time.perf_counter() - started
        cpu_seconds = _cpu_seconds(worker.pid) - cpu_before
        sink_cpu_seconds = _cpu_seconds(sink.pid) - sink_cpu_before
        sent = mine.filter(email_status=EmailStatus.SENT).count()
        rows = mine.count()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        smtp_stop.set()
        sink.join(timeout=10)
    batches = FanoutBatch.objects.filter(pk__gt=first_batch).count()
    _cleanup(batches_after=first_batch)
    return {
        "smtp_sink": {"minimal": "minimal asyncio sink", "aiosmtpd": "aiosmtpd"}.get(SINK, SINK) + ", PIPELINING",
        "recipients": queued,
        "batch_size": BATCH_SIZE,
        "batch_tasks": batches,
        "create_users_seconds": round(create_seconds, 2),
        "notify_many_call_seconds": round(call_seconds, 3),
        "all_rows_written_seconds": round(rows_seconds or 0, 1),
        "all_emails_sent_seconds": round(total_seconds, 1),
        "inbox_rows": rows,
        "emails_sent": sent,
        "emails_per_second_wall": round(sent / total_seconds, 1) if total_seconds else None,
        "worker_cpu_ms_per_email": round(1000 * cpu_seconds / sent, 3) if sent else None,
        # What one worker with a core to itself delivers (the steady figure on a shared machine).
        "emails_per_worker_cpu_second": round(sent / cpu_seconds) if cpu_seconds else None,
        "smtp_server_cpu_ms_per_email": round(1000 * sink_cpu_seconds / sent, 3) if sent else None,
        "smtp_connections": smtp_connections.value,
        "smtp_messages_received": smtp_messages.value,
    }


if __name__ == "__main__":
    figures = run(int(sys.argv[1])) if len(sys.argv) > 1 else run()
    width = max(len(key) for key in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
