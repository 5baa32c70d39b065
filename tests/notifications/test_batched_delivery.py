"""Batched delivery with real Celery workers, real Redis and a real SMTP server: each message
exactly once, and a worker killed in the middle of a chunk sends at most that chunk again."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from notifications import services, tasks
from notifications.kinds import Kind
from notifications.models import EmailStatus, FanoutBatch, Notification
from notifications.services import notify, notify_many

from .conftest import make_residents, wait_until

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

PENDING = [EmailStatus.QUEUED, EmailStatus.SENDING]
VOTING = {"round_name": "Anggaran Partisipatif 2027", "area_name": "Kota Balikpapan"}
REPO = Path(__file__).resolve().parents[2]

# A whole worker in its own process (solo pool: the task runs in the process that gets killed).
WORKER_SCRIPT = """
import os
import django
django.setup()
from django.conf import settings
settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", int(os.environ["TEST_SMTP_PORT"])
settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
from balikpapan_pb.celery import app
app.worker_main(["worker", "-Q", "notifications", "-P", "solo", "-c", "1", "--loglevel=WARNING",
                 "-n", "killed-%d@%%h" % os.getpid(), "--without-heartbeat", "--without-gossip", "--without-mingle"])
"""


def all_sent() -> bool:
    return not Notification.objects.filter(email_status__in=PENDING).exists()


def test_each_message_is_sent_exactly_once_by_a_real_worker(smtp_server, celery_live_worker):
    ids = make_residents(1200)
    singles = make_residents(5, prefix="sendiri")
    with transaction.atomic():  # a round opens city-wide: three batches of at most 500
        notify_many(recipient_ids=ids, kind=Kind.VOTING_OPENED, context=VOTING, url="/")
    for pk in singles:  # and five status changes, each in its own request
        with transaction.atomic():
            notify(recipient=User.objects.get(pk=pk),
                   kind=Kind.PROPOSAL_STATUS, context={"title": "Drainase", "status_label": "Disetujui"})
    tasks.sweep.delay()  # beat's sweep arrives meanwhile, and a duplicate of every delivery task
    wait_until(lambda: not FanoutBatch.objects.filter(done_at__isnull=True).exists(), timeout=60, message="batches")
    tasks.deliver_many.delay(list(Notification.objects.values_list("pk", flat=True)))
    wait_until(lambda: len(smtp_server.messages) >= 1205 and all_sent(), timeout=120, message="1,205 emails")
    tasks.sweep.delay()
    time.sleep(1.5)

    received = Counter(smtp_server.recipients())
    assert len(received) == 1205 and set(received.values()) == {1}
    assert Notification.objects.filter(email_status=EmailStatus.SENT).count() == 1205
    # One connection per task that had something to send (three batches, five single emails,
    # at most one duplicate), not one per message.
    assert smtp_server.connections <= 3 + 5 + 1


def test_a_worker_killed_in_the_middle_of_a_chunk_sends_at_most_that_chunk_again(request, smtp_server):
    chunk = services.EMAIL_CHUNK
    count = 2 * chunk + chunk // 2  # three chunks
    ids = make_residents(count)
    smtp_server.delay = 0.05  # a slow mail server: a chunk takes five seconds
    database = settings.DATABASES["default"]
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "balikpapan_pb.settings.test", "TEST_SMTP_PORT": str(smtp_server.port),
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "REDIS_URL": settings.CELERY_BROKER_URL,
    }
    worker = subprocess.Popen([sys.executable, "-c", WORKER_SCRIPT], cwd=REPO, env=env)
    try:
        with transaction.atomic():
            notify_many(recipient_ids=ids, kind=Kind.VOTING_OPENED, context=VOTING, url="/")
        # The first chunk is through and the second is on its way: kill the whole worker.
        wait_until(lambda: len(smtp_server.messages) >= chunk + chunk // 3, timeout=120, interval=0.01,
                   message="the second chunk under way")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)
    time.sleep(smtp_server.delay * 2)  # the message the server was taking when the worker died
    before = Counter(smtp_server.recipients())
    assert chunk < len(before) < 2 * chunk  # killed mid-chunk
    by_status = Counter(Notification.objects.values_list("email_status", flat=True))
    assert by_status == {EmailStatus.SENT: chunk, EmailStatus.SENDING: chunk, EmailStatus.QUEUED: count - 2 * chunk}
    killed_chunk = set(
        Notification.objects.filter(email_status=EmailStatus.SENDING).values_list("recipient__email", flat=True)
    )

    # Another worker runs; five minutes later the dead worker's lease has run out and beat sweeps.
    smtp_server.delay = 0
    request.getfixturevalue("celery_live_worker")
    Notification.objects.filter(email_status__in=PENDING).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    tasks.sweep.delay()
    wait_until(all_sent, timeout=60, message="every email sent")
    tasks.sweep.delay()
    time.sleep(1.5)

    received = Counter(smtp_server.recipients())
    assert set(received) == {f"warga{i}@example.test" for i in range(count)}  # nobody missed
    twice = {address for address, times in received.items() if times > 1}
    assert set(received.values()) <= {1, 2}
    assert twice == killed_chunk & set(before)  # what the dead worker had sent of its chunk, no more
    assert len(twice) <= chunk
    assert Notification.objects.filter(email_status=EmailStatus.SENT).count() == count
