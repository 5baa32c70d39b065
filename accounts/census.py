"""The census check: the city's extract of its population register, as keyed NIK hashes.

`python manage.py import_census FILE.csv` and the admin's upload page both call `census_import`.
A file has the columns `nik,kelurahan_code` (a Kemendagri code such as 64.71.05.1006). Each NIK is
hashed exactly as `User.nik_hash` is (accounts.identity.nik_hash), so an account is matched with
one index lookup; no NIK, nor any part of one, is stored, printed or logged: a refused row is
named by its line number only.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from balikpapan_pb.locks import worker_lock, worker_lock_is_held
from wilayah.models import Kelurahan

from .models import AuditEntry, CensusEntry, CensusUpload, User
from .nik import NikError, parse_nik

PROGRESS_EVERY = 10_000  # rows between two progress reports
COPY_BATCH = 50_000  # rows per COPY statement

REFUSAL_REASONS = {
    "nik": gettext_lazy("NIK tidak valid"),
    "nik_excel": gettext_lazy("NIK tertulis sebagai angka oleh Excel (misalnya 6,47106E+15), sehingga digitnya hilang: "
                              "format kolom NIK sebagai Teks, lalu ekspor ulang"),
    "kelurahan": gettext_lazy("kode kelurahan tidak dikenal"),
    "duplicate": gettext_lazy("NIK ganda (baris kedua dan berikutnya)"),
    "conflict": gettext_lazy("NIK yang sama untuk kelurahan berbeda (semua barisnya ditolak)"),
}


class CensusFileError(ValueError):
    """A file that cannot be a census extract at all (no nik / kelurahan_code columns)."""


class CensusEmptyError(CensusFileError):
    """A file with no row that could be stored: importing it would empty the census, so the
    previous census is kept. `report` says what was read and why each row was refused."""

    def __init__(self, message: str, report: CensusReport):
        super().__init__(message)
        self.report = report


@dataclass
class CensusReport:
    read: int = 0
    stored: int = 0
    refused: dict[str, list[int]] = field(default_factory=dict)  # reason -> line numbers
    verified_accounts: int = 0

    @property
    def refused_count(self) -> int:
        return sum(len(lines) for lines in self.refused.values())

    def refused_ranges(self) -> dict[str, str]:
        return {reason: line_ranges(lines) for reason, lines in self.refused.items() if lines}


def line_ranges(lines: Iterable[int]) -> str:
    """[3, 7, 8, 9, 12] -> "3, 7-9, 12": short even when thousands of rows are refused."""
    parts: list[str] = []
    run: list[int] = []
    for number in sorted(lines):
        if run and number == run[-1] + 1:
            run.append(number)
            continue
        if run:
            parts.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
        run = [number]
    if run:
        parts.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
    return ", ".join(parts)


def census_kelurahan_id(nik_hash: str | None) -> str | None:
    """The kelurahan (its Kemendagri code, the Kelurahan's primary key) where the census lists the
    person with this keyed NIK hash, or None when the census does not list them."""
    if not nik_hash:
        return None
    return CensusEntry.objects.filter(nik_hash=nik_hash).values_list("kelurahan_id", flat=True).first()


# --- reading a file ---------------------------------------------------------------------------

def decoded_lines(raw: Iterable[bytes]) -> Iterator[str]:
    """Lines of an uploaded or opened file as text: UTF-8 (a BOM from Excel is dropped)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    pending = ""  # a line cut by the end of a chunk waits for its end
    for chunk in raw:
        lines = (pending + decoder.decode(chunk)).splitlines(keepends=True)
        pending = lines.pop() if lines and not lines[-1].endswith(("\n", "\r")) else ""
        yield from lines
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


def _rows(lines: Iterable[str]) -> Iterator[tuple[int, str, str]]:
    """(line number, nik, kelurahan code) per data row; the header names the columns, in any order,
    separated by commas or semicolons (Excel in Indonesia writes semicolons)."""
    lines = iter(lines)
    header_line = next(lines, "")
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    header = [name.strip().lower() for name in next(csv.reader([header_line], delimiter=delimiter), [])]
    if "nik" not in header or "kelurahan_code" not in header:
        raise CensusFileError(_("Baris pertama berkas harus berisi nama kolom nik,kelurahan_code."))
    nik_at, code_at = header.index("nik"), header.index("kelurahan_code")
    reader = csv.reader(lines, delimiter=delimiter)
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        number = reader.line_num + 1  # the header is line 1
        nik = row[nik_at] if len(row) > nik_at else ""
        code = row[code_at].strip() if len(row) > code_at else ""
        yield number, nik, code


def _parsed(lines: Iterable[str], *, report: CensusReport,
            progress: Callable[[int], None] | None) -> dict[str, str]:
    """The census as {nik hash: kelurahan code}, with every refused row noted in `report`."""
    known = set(Kelurahan.objects.values_list("code", flat=True))
    refused: dict[str, list[int]] = {reason: [] for reason in REFUSAL_REASONS}
    entries: dict[str, tuple[str, int]] = {}
    conflicts: set[str] = set()
    today = timezone.localdate()
    # accounts.identity.nik_hash, with the key set up once instead of once per row
    hasher = hmac.new(settings.NIK_HASH_KEY.encode(), digestmod=hashlib.sha256)
    for number, nik, code in _rows(lines):
        report.read += 1
        if progress and report.read % PROGRESS_EVERY == 0:
            progress(report.read)
        try:
            parsed = parse_nik(nik, today=today)
        except NikError:
            # Excel turns a 16-digit column into 6,47106E+15 (or 6.47106E+15): the digits are gone.
            refused["nik_excel" if "E+" in nik.upper() else "nik"].append(number)
            continue
        if code not in known:
            refused["kelurahan"].append(number)
            continue
        mac = hasher.copy()
        mac.update(parsed.nik.encode())
        hashed = mac.hexdigest()
        first = entries.get(hashed)
        if first is None:
            entries[hashed] = (code, number)
        elif first[0] == code:
            refused["duplicate"].append(number)
        else:
            conflicts.add(hashed)
            refused["conflict"].append(number)
    for hashed in conflicts:
        refused["conflict"].append(entries.pop(hashed)[1])
    report.refused = {reason: lines for reason, lines in refused.items() if lines}
    if progress:
        progress(report.read)
    return {hashed: code for hashed, (code, _number) in entries.items()}


# --- storing it -------------------------------------------------------------------------------

def census_import(*, lines: Iterable[str], actor: User | None = None,
                  progress: Callable[[int], None] | None = None) -> CensusReport:
    """Reads a census file and replaces the stored census with it in one transaction; then, in the
    same transaction, verifies the residence of every account whose NIK and declared kelurahan
    the new census confirms. Raises CensusFileError for a file without the two columns, and
    CensusEmptyError (the stored census untouched) for one without a row that could be stored."""
    report = CensusReport()
    census = _parsed(lines, report=report, progress=progress)
    if not census:
        # Replacing the census with nothing would un-list every resident at once (registration would
        # stop verifying anyone): a header alone or a file of refused rows is a mistake, not a census.
        if report.read == 0:
            raise CensusEmptyError(_("Berkas tidak berisi satu baris data pun, hanya baris judul. "
                                     "Data penduduk sebelumnya tetap dipakai."), report)
        raise CensusEmptyError(_("Tidak ada satu baris pun yang dapat disimpan (lihat alasan penolakan di bawah). "
                                 "Data penduduk sebelumnya tetap dipakai."), report)
    with transaction.atomic():
        _replace(census)
        report.stored = len(census)
        report.verified_accounts = _verify_confirmed_accounts(actor=actor)
        AuditEntry.objects.create(
            actor=actor if actor is not None and actor.is_authenticated else None, action="census.import",
            target_type="accounts.censusentry", target_id="", detail={
                "read": report.read, "stored": report.stored, "refused": report.refused_count,
                "verified_accounts": report.verified_accounts})
    return report


def _replace(census: dict[str, str]) -> None:
    """The stored census becomes `census`, inside the caller's transaction.

    PostgreSQL: TRUNCATE, COPY without the primary key, then the key built once by sorting. Half
    a million random inserts into the key's B-tree took 12-22 s on the test machine; COPY and one
    index build take about 4 s. The table is locked meanwhile: a registration that checks the
    census during an import waits those seconds, then reads the new one. On the SQLite of
    `make run`: bulk_create."""
    items = iter(census.items())
    if connection.vendor != "postgresql":
        CensusEntry.objects.all().delete()
        CensusEntry.objects.bulk_create((CensusEntry(nik_hash=h, kelurahan_id=code) for h, code in items),
                                        batch_size=5_000)
        return
    table = connection.ops.quote_name(CensusEntry._meta.db_table)
    with connection.cursor() as cursor:
        key = next(name for name, about in connection.introspection.get_constraints(
            cursor, CensusEntry._meta.db_table).items() if about["primary_key"])
        cursor.execute(f"TRUNCATE {table}")
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(key)}")
        _copy(cursor, table, items)
        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(key)} PRIMARY KEY (nik_hash)")


def _copy(cursor, table: str, items) -> None:
    while True:
        # hex digests and Kemendagri codes need no escaping in COPY's text format
        batch = "".join(f"{hashed}\t{code}\n" for _n, (hashed, code) in zip(range(COPY_BATCH), items, strict=False))
        if not batch:
            break
        with cursor.copy(f"COPY {table} (nik_hash, kelurahan_id) FROM STDIN") as copy:
            copy.write(batch.encode())


def _verify_confirmed_accounts(*, actor: User | None) -> int:
    """Accounts not yet verified whose NIK hash the census lists for the kelurahan they declared."""
    listed_here = CensusEntry.objects.filter(nik_hash=OuterRef("nik_hash"), kelurahan_id=OuterRef("kelurahan_id"))
    confirmed = (User.objects.select_for_update()
                 .filter(residence_verified_at__isnull=True, nik_hash__isnull=False, kelurahan__isnull=False)
                 .filter(Exists(listed_here)))
    people = list(confirmed.values_list("pk", "kelurahan_id"))
    if not people:
        return 0
    now = timezone.now()
    User.objects.filter(pk__in=[pk for pk, _kelurahan in people]).update(residence_verified_at=now)
    AuditEntry.objects.bulk_create(
        AuditEntry(actor=actor if actor is not None and actor.is_authenticated else None,
                   action="residence.verify", target_type="accounts.user", target_id=str(pk),
                   detail={"method": "census", "kelurahan": kelurahan})
        for pk, kelurahan in people
    )
    return len(people)


# --- what registration learns from it ---------------------------------------------------------

class CensusOutcome:
    VERIFIED = "verified"  # listed for the kelurahan the person declared: verified now
    ELSEWHERE = "elsewhere"  # listed for another kelurahan: see the LPM with the KTP
    ABSENT = "absent"  # not listed: an RT invitation code or the LPM desk


def census_check_at_registration(*, user: User) -> str:
    """Verifies a new account's residence when the census confirms it, and says what it found."""
    from .services import residence_verify

    listed = census_kelurahan_id(user.nik_hash)
    if listed is None:
        return CensusOutcome.ABSENT
    if listed != user.kelurahan_id:
        return CensusOutcome.ELSEWHERE
    residence_verify(user=user, actor=None, method="census")
    return CensusOutcome.VERIFIED


def census_outcome(*, user: User) -> str:
    """What the census says about this account now (for the pages that tell the person what to do)."""
    if user.is_residence_verified:
        return CensusOutcome.VERIFIED
    listed = census_kelurahan_id(user.nik_hash)
    return CensusOutcome.ELSEWHERE if listed is not None and listed != user.kelurahan_id else CensusOutcome.ABSENT


def census_size() -> int:
    return CensusEntry.objects.count()


def census_last_import() -> dt.datetime | None:
    entry = AuditEntry.objects.filter(action="census.import").order_by("-created_at").first()
    return entry.created_at if entry else None


# --- the admin's upload in the site (a Celery task does the import) ---------------------------

MAX_UPLOAD_BYTES = 100 * 1024 * 1024  # about 3 million rows: far more than a city's register


@transaction.atomic
def census_upload_create(*, actor: User, content: bytes) -> CensusUpload:
    """Keeps the uploaded file until a Celery task, queued after commit, has imported it."""
    from .tasks import import_census_upload

    upload = CensusUpload.objects.create(uploaded_by=actor, content=content,
                                         rows_total=max(content.count(b"\n") - 1 + (not content.endswith(b"\n")), 0))
    import_census_upload.delay_on_commit(upload.pk)
    return upload


CENSUS_LOCK_CLASS = 6471  # pg advisory lock namespace of census imports (the key is the upload's id)
CENSUS_MAX_ATTEMPTS = 3  # a file that kills its worker three times (memory) is not tried again


def _census_upload_lock(upload_id: int):
    """Yields whether this process now holds the upload (balikpapan_pb.locks): a status page's
    check holds it for an instant, so it asks for 2 s; after that a live worker holds it, and
    this message is a second one."""
    return worker_lock(CENSUS_LOCK_CLASS, upload_id, tries=10, pause=0.2)


def census_upload_is_held(upload_id: int) -> bool:
    """Whether a live worker is importing this upload now."""
    with transaction.atomic():
        return worker_lock_is_held(CENSUS_LOCK_CLASS, upload_id)


def census_upload_stalled(upload: CensusUpload) -> bool:
    """An import marked running that no live worker holds: its worker died (the officer may resume it)."""
    return upload.status == CensusUpload.Status.RUNNING and not census_upload_is_held(upload.pk)


@transaction.atomic
def census_upload_resume(*, actor: User, upload_id: int) -> bool:
    """Sends a stalled import again (its file is still stored). Returns whether it was sent: an
    import that a live worker holds, or that has finished, is left alone."""
    from .tasks import import_census_upload

    upload = CensusUpload.objects.select_for_update().defer("content").filter(pk=upload_id).first()
    if upload is None or not census_upload_stalled(upload):
        return False
    CensusUpload.objects.filter(pk=upload.pk).update(status=CensusUpload.Status.QUEUED, rows_done=0)
    AuditEntry.objects.create(actor=actor, action="census.resume", target_type="accounts.censusupload",
                              target_id=str(upload.pk), detail={"attempts": upload.attempts})
    import_census_upload.delay_on_commit(upload.pk)
    return True


def census_upload_run(*, upload_id: int) -> None:
    """The task's work: import the stored file, write the counts, forget the file. Idempotent: a
    finished upload is left alone, one a live worker holds too, and an interrupted one starts
    again from its stored file (the import is one transaction: a killed one left nothing)."""
    with _census_upload_lock(upload_id) as held:
        if held:
            _census_upload_import(upload_id)


def _census_upload_import(upload_id: int) -> None:
    upload = CensusUpload.objects.filter(pk=upload_id).exclude(
        status__in=[CensusUpload.Status.DONE, CensusUpload.Status.FAILED]).first()
    if upload is None:
        return
    if upload.attempts >= CENSUS_MAX_ATTEMPTS:
        CensusUpload.objects.filter(pk=upload.pk).update(
            status=CensusUpload.Status.FAILED, content=b"", finished_at=timezone.now(),
            error=_("Impor berhenti %(count)d kali sebelum selesai (berkas terlalu besar untuk server?). Data "
                    "penduduk sebelumnya tetap dipakai. Bagi berkas atau hubungi pengelola server.")
            % {"count": upload.attempts})
        return
    CensusUpload.objects.filter(pk=upload.pk).update(status=CensusUpload.Status.RUNNING, rows_done=0,
                                                     attempts=upload.attempts + 1)

    def progress(done: int) -> None:
        CensusUpload.objects.filter(pk=upload.pk).update(rows_done=done)

    content = bytes(upload.content)
    try:
        report = census_import(lines=decoded_lines([content]), actor=upload.uploaded_by, progress=progress)
    except CensusFileError as error:
        report = getattr(error, "report", None) or CensusReport()
        CensusUpload.objects.filter(pk=upload.pk).update(
            status=CensusUpload.Status.FAILED, error=str(error), content=b"", finished_at=timezone.now(),
            rows_total=report.read, rows_done=report.read, refused=report.refused_count,
            refused_lines=report.refused_ranges())
        return
    CensusUpload.objects.filter(pk=upload.pk).update(
        status=CensusUpload.Status.DONE, content=b"", rows_total=report.read, rows_done=report.read,
        stored=report.stored, refused=report.refused_count, verified_accounts=report.verified_accounts,
        refused_lines=report.refused_ranges(),
        finished_at=timezone.now())
