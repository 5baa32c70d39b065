"""A census upload outlives the Celery worker that imports it.

The attack: kill the worker in the middle of an import, as a lost machine or the kernel's OOM killer
would. Before: the pool process's message was acknowledged with it (acks_late without
reject_on_worker_lost), and the upload stayed "sedang diimpor" forever, its page refreshing every
three seconds, with no way for the admin to start it again but uploading the file anew. A real
prefork worker runs as a subprocess (tests/voting/test_tally_reliability.py does the same for tallies),
slowed by tests/accounts/slow_census.py."""

import datetime as dt
import os
import signal
import time

import pytest
import redis
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.census import census_kelurahan_id
from accounts.identity import nik_hash
from accounts.models import AuditEntry, CensusEntry, CensusUpload, Role
from tests.factories import UserFactory, make_nik
from tests.notifications.conftest import wait_until
from tests.voting.conftest import GUNUNG_BAHAGIA
from tests.voting.test_tally_reliability import Processes, pool_children
from wilayah.services import wilayah_ensure

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]
ROWS = 8_000  # 16 progress reports of 0.3 s each in the slowed worker: about 5 s of import


@pytest.fixture
def processes(transactional_db, tmp_path):
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()  # this test's own Redis db: no old messages
    running = Processes(tmp_path, extra_env={"DJANGO_SETTINGS_MODULE": "tests.accounts.worker_settings"})
    yield running
    running.stop()


def start_worker(processes: Processes, name: str):
    # accounts' tasks are routed to the notifications queue (settings.CELERY_TASK_ROUTES)
    process = processes._start(name, "worker", "-P", "prefork", "-c", "1", "-Q", "notifications", "-n", f"{name}@%h",
                               "--without-mingle", "--without-gossip", "--loglevel", "INFO")
    wait_until(lambda: "ready." in process.log_path.read_text() or process.poll() is not None, timeout=60,
               message=f"worker {name} ready")
    assert process.poll() is None, process.log_path.read_text()
    return process


@pytest.fixture
def upload(client):
    """The admin uploads a census of ROWS people; an old census and a waiting account are in place."""
    wilayah_ensure()
    from wilayah.models import Kelurahan

    old = make_nik()
    CensusEntry.objects.create(nik_hash=nik_hash(old), kelurahan_id=GUNUNG_BAHAGIA)
    niks = [make_nik(birth=dt.date(1960 + n % 45, 1 + n % 12, 1 + n % 28)) for n in range(ROWS)]
    waiting = UserFactory(kelurahan=Kelurahan.objects.get(code=GUNUNG_BAHAGIA), nik_hash=nik_hash(niks[-1]),
                          residence_verified_at=None)
    body = "nik,kelurahan_code\n" + "".join(f"{nik},{GUNUNG_BAHAGIA}\n" for nik in niks)
    client.force_login(UserFactory(role=Role.ADMIN))
    response = client.post(reverse("accounts:census_upload"),
                           {"file": SimpleUploadedFile("penduduk.csv", body.encode(), content_type="text/csv")})
    assert response.status_code == 302
    item = CensusUpload.objects.defer("content").get()
    item.old_nik, item.new_nik, item.waiting = old, niks[0], waiting
    return item


def mid_import(upload: CensusUpload) -> bool:
    upload.refresh_from_db(fields=["status", "rows_done"])
    return upload.status == CensusUpload.Status.RUNNING and upload.rows_done >= 1_000


def finished(upload: CensusUpload) -> bool:
    upload.refresh_from_db(fields=["status"])
    return upload.status in (CensusUpload.Status.DONE, CensusUpload.Status.FAILED)


def assert_imported_once_in_full(upload: CensusUpload):
    upload.refresh_from_db()
    assert upload.status == CensusUpload.Status.DONE, upload.error
    assert (upload.rows_total, upload.stored, upload.refused) == (ROWS, ROWS, 0)
    assert bytes(upload.content) == b""
    assert CensusEntry.objects.count() == ROWS  # the new census whole, the old one gone, nothing twice
    assert census_kelurahan_id(nik_hash(upload.new_nik)) == GUNUNG_BAHAGIA
    assert census_kelurahan_id(nik_hash(upload.old_nik)) is None
    upload.waiting.refresh_from_db()
    assert upload.waiting.is_residence_verified
    assert AuditEntry.objects.filter(action="census.import").count() == 1


def test_a_pool_process_killed_mid_import_is_replaced_and_the_import_finishes(processes, upload):
    worker = start_worker(processes, "census1")
    wait_until(lambda: mid_import(upload), timeout=60, message="the import under way")
    [child] = pool_children(worker)
    os.kill(child, signal.SIGKILL)
    killed_at = time.monotonic()
    # no admin here: the message itself comes back (acks_late + reject_on_worker_lost)
    wait_until(lambda: finished(upload), timeout=90, message="the re-run")
    print(f"\npool process killed -> census imported: {time.monotonic() - killed_at:.1f} s")  # noqa: T201
    assert_imported_once_in_full(upload)
    assert upload.attempts == 2
    assert "WorkerLostError" in worker.log_path.read_text()


def test_a_whole_worker_killed_mid_import_is_resumed_by_the_admin_from_the_status_page(processes, upload, client):
    worker = start_worker(processes, "census1")
    wait_until(lambda: mid_import(upload), timeout=60, message="the import under way")
    os.killpg(worker.pid, signal.SIGKILL)  # the main process and its pool, as a lost machine
    worker.wait()
    status = reverse("accounts:census_status", args=[upload.pk])
    # its message sits unacknowledged in Redis for the visibility timeout (an hour): the page says so
    wait_until(lambda: 'id="stalled"' in client.get(status).content.decode(), timeout=30,
               message="the status page to see the import stopped")
    page = client.get(status).content.decode()
    assert "terhenti setelah" in page and "data penduduk sebelumnya masih dipakai" in page
    assert 'http-equiv="refresh"' not in page  # no refreshing forever
    assert census_kelurahan_id(nik_hash(upload.old_nik)) == GUNUNG_BAHAGIA  # the old census meanwhile
    assert "terhenti" in client.get(reverse("accounts:census_upload")).content.decode()  # the list says so too

    start_worker(processes, "census2")
    resumed = client.post(reverse("accounts:census_resume", args=[upload.pk]), follow=True)
    assert "Impor dimulai lagi dari awal berkas." in resumed.content.decode()
    # a second click (or a second admin) while it runs sends nothing more
    client.post(reverse("accounts:census_resume", args=[upload.pk]))
    wait_until(lambda: finished(upload), timeout=90, message="the resumed import")
    assert_imported_once_in_full(upload)
    assert upload.attempts == 2
    assert AuditEntry.objects.filter(action="census.resume").count() == 1


def test_only_a_stalled_import_can_be_resumed_and_only_by_the_admin(client):
    wilayah_ensure()
    done = CensusUpload.objects.create(status=CensusUpload.Status.DONE, content=b"")
    url = reverse("accounts:census_resume", args=[done.pk])
    client.force_login(UserFactory(role=Role.MODERATOR))
    assert client.post(url).status_code == 403
    client.force_login(UserFactory(role=Role.ADMIN))
    assert client.get(url).status_code == 405
    client.post(url)
    done.refresh_from_db()
    assert done.status == CensusUpload.Status.DONE and not AuditEntry.objects.filter(action="census.resume").exists()
