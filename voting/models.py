"""Ballots, kept apart from who cast them, and the immutable results of tallies.

Secrecy (SPEC section 4): a `Participation` says that a person voted in an area of a round
(and by which channel, on which day); a `Ballot` says what was chosen. The ballot is found
again only through `voter_key`, an HMAC of the voter's NIK hash with `settings.BALLOT_KEY`,
which is not in the database.

A ballot is first written as a `PendingBallot`, sealed (encrypted under a key derived from
BALLOT_KEY), in the transaction that writes the participation. A mix (voting.services.ballots_mix)
later moves the pending ballots of an area into `Ballot`, rewriting all of the area's ballots
in a fresh random order with fresh random ids in one transaction: after it, no row order, id,
`xmin`/`xmax`/`ctid` or timestamp of a ballot says anything about when it was cast, so nothing
lines it up with a participation. See the README, "Ballot secrecy".
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rounds.models import Area, Round, TallyRule
from wilayah.models import Kecamatan, Kelurahan

# No 0/O, 1/I/L: a receipt is read aloud and copied by hand.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_receipt_code() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return f"{raw[0:4]}-{raw[4:8]}-{raw[8:12]}"


class Channel(models.TextChoices):
    ONLINE = "online", _("Daring")
    PAPER = "paper", _("Kertas (forum)")


class AgeBand(models.TextChoices):
    YOUTH = "17-24", "17-24"
    A25 = "25-34", "25-34"
    A35 = "35-44", "35-44"
    A45 = "45-54", "45-54"
    A55 = "55+", "55+"
    UNKNOWN = "", _("Tidak diketahui")


class Participation(models.Model):
    """That someone voted: for turnout, de-duplication and the "not yet voted" reminder."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="participations")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="participations")
    nik_hash = models.CharField(max_length=64)
    # SET_NULL: a deleted account's vote stays counted (UU PDP), unlinked.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="participations"
    )
    channel = models.CharField(_("saluran"), max_length=8, choices=Channel.choices, default=Channel.ONLINE)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The kelurahan forum a paper ballot was entered at (the forum of that kelurahan in this round):
    # with entered_by, how many ballots each officer entered at each forum. Never which ballot.
    forum_kelurahan = models.ForeignKey(
        Kelurahan, verbose_name=_("forum kelurahan"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    age_band = models.CharField(_("kelompok umur"), max_length=5, choices=AgeBand.choices, blank=True)
    gender = models.CharField(_("jenis kelamin"), max_length=1, blank=True)
    kecamatan = models.ForeignKey(Kecamatan, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The day only: a time of day would line the participation up with the moment of casting.
    created_on = models.DateField(_("tanggal"), default=timezone.localdate)
    # The ballot of a deleted account was re-keyed at random: still counted, reachable by no one,
    # and whoever registers this NIK later cannot vote again here.
    detached = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("partisipasi")
        verbose_name_plural = _("partisipasi")
        constraints = [
            models.UniqueConstraint(fields=["round", "area", "nik_hash"], name="one_participation_per_voter_area"),
        ]
        indexes = [models.Index(fields=["round", "area", "channel"])]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.area_id} {self.get_channel_display()}"


class Ballot(models.Model):
    """What was chosen. Deliberately without user, channel or date; rows are written only by a mix."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="ballots")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="ballots")
    voter_key = models.CharField(max_length=64, editable=False)
    # approval/knapsack: [project_id, ...]; ranked: [best, second, ...]; cumulative: {project_id: points}
    choices = models.JSONField(default=list, blank=True)
    blank = models.BooleanField(_("surat suara kosong"), default=False)
    receipt_code = models.CharField(_("kode tanda terima"), max_length=14, unique=True, default=new_receipt_code)

    class Meta:
        verbose_name = _("surat suara")
        verbose_name_plural = _("surat suara")
        constraints = [
            models.UniqueConstraint(fields=["round", "area", "voter_key"], name="one_ballot_per_voter_key"),
            models.CheckConstraint(
                condition=Q(blank=False) | Q(choices=[]) | Q(choices={}), name="blank_ballot_has_no_choices"
            ),
        ]

    def __str__(self) -> str:
        return self.receipt_code


class PendingBallot(models.Model):
    """A ballot cast or changed since the last mix of its area, sealed until the next one.

    In a dump it can be lined up with its participation (both were written by one transaction),
    so everything that says how the person voted, and the receipt code and the voter_key of the
    ballot it becomes, are in `sealed`, readable only with BALLOT_KEY. `lookup_key` lets the
    voter find it again; it is a different HMAC from `Ballot.voter_key`, so it matches no ballot."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="pending_ballots")
    lookup_key = models.CharField(max_length=64, editable=False)
    sealed = models.BinaryField(editable=False)

    class Meta:
        verbose_name = _("surat suara menunggu")
        verbose_name_plural = _("surat suara menunggu")
        constraints = [
            models.UniqueConstraint(fields=["round", "area", "lookup_key"], name="one_pending_ballot_per_voter"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.area_id} pending"


class TallyRun(models.Model):
    """One request to tally a round, with the progress an admin watches."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Menunggu")
        RUNNING = "running", _("Berjalan")
        DONE = "done", _("Selesai")
        FAILED = "failed", _("Gagal")

    class Failure(models.TextChoices):
        TIME_LIMIT = "time_limit", _("Melewati batas waktu")
        WORKER_LOST = "worker_lost", _("Pekerja berulang kali terhenti")
        ERROR = "error", _("Galat")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="tally_runs")
    rule = models.CharField(_("aturan"), max_length=8, choices=TallyRule.choices)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    areas_total = models.PositiveIntegerField(default=0)
    areas_done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    failure = models.CharField(max_length=12, choices=Failure.choices, blank=True)
    snapshot_ids = models.JSONField(default=list, blank=True)
    # The run is the request (an outbox row): the task is only its messenger. `sent_at` is
    # when the broker last took the task (None: not yet, e.g. Redis was down); the sweep
    # sends a queued run again from `next_attempt_at` on. `attempts` counts starts on a worker.
    sent_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("proses rekapitulasi")
        verbose_name_plural = _("proses rekapitulasi")

    def __str__(self) -> str:
        return f"{self.round} · {self.rule} · {self.get_status_display()}"

    @property
    def waiting_for_broker(self) -> bool:
        """Saved, but the task queue (Redis) has not taken it yet: the sweep sends it when it can."""
        return self.status == self.Status.QUEUED and self.sent_at is None

    @property
    def failure_message(self) -> str:
        """What went wrong, in words an admin can act on (translated when shown, not when stored)."""
        if self.failure == self.Failure.TIME_LIMIT:
            return _(
                "Rekapitulasi dihentikan karena melewati batas waktu %(minutes)d menit (%(done)d dari %(total)d "
                "wilayah selesai). Mengulang tidak akan membantu: surat suara dan aturan yang sama memerlukan waktu "
                "yang sama. Minta tim teknis menaikkan batas waktu rekapitulasi (TALLY_SOFT_TIME_LIMIT)."
            ) % {"minutes": -(-settings.TALLY_SOFT_TIME_LIMIT // 60), "done": self.areas_done, "total": self.areas_total}
        if self.failure == self.Failure.WORKER_LOST:
            return _(
                "Rekapitulasi gagal: pekerja (worker) berhenti %(n)d kali di tengah penghitungan, misalnya karena "
                "kehabisan memori. Periksa log pekerja, lalu mulai rekapitulasi lagi."
            ) % {"n": self.attempts}
        return self.error

    @property
    def percent(self) -> int:
        if not self.areas_total:
            return 100 if self.status == self.Status.DONE else 0
        return round(100 * self.areas_done / self.areas_total)


class ResultSnapshot(models.Model):
    """The outcome of a tally of one area. Never changed after creation, except being published."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="snapshots")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="snapshots")
    rule = models.CharField(_("aturan"), max_length=8, choices=TallyRule.choices)
    input_hash = models.CharField(max_length=64)
    result = models.JSONField()
    voters = models.PositiveIntegerField(default=0)
    # What the last computation of this result cost ({"mes_runs": int, "seconds": float}): kept
    # beside the result, never in it, so that the result stays byte-identical between runs.
    stats = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("diumumkan"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("hasil rekapitulasi")
        verbose_name_plural = _("hasil rekapitulasi")
        constraints = [
            models.UniqueConstraint(fields=["round", "area", "rule", "input_hash"], name="one_snapshot_per_input"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.area} · {self.rule}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class ClosingReminder(models.Model):
    """That the "voting closes in 24 hours" reminder went out for an area, so beat sends it once."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    closes_at = models.DateTimeField()
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "closes_at"], name="one_closing_reminder_per_area")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.closes_at:%Y-%m-%d %H:%M}"


class FrozenResult(models.Model):
    """What a publication froze with its snapshot (issue 11): the anonymised ballot file (.pb) the
    snapshot was computed from, checked at publication to give back exactly that snapshot when
    counted again, and the CSV and JSON downloads. Never changed; the downloads are served from here."""

    snapshot = models.OneToOneField(ResultSnapshot, on_delete=models.CASCADE, primary_key=True, related_name="frozen")
    ballots_pb = models.TextField()
    ballots_sha256 = models.CharField(max_length=64)
    results_csv = models.TextField(blank=True)
    results_json = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hasil yang dibekukan")
        verbose_name_plural = _("hasil yang dibekukan")

    def __str__(self) -> str:
        return f"{self.snapshot_id} {self.ballots_sha256[:12]}"
