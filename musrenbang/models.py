"""Musrenbang: the journey of every usulan (jejak usulan), the forums (musyawarah) and the
carry-over of feasible but unfunded usulan into the next round."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from proposals.models import Proposal
from rounds.models import AreaLevel, Round
from wilayah.models import Kecamatan, Kelurahan


class Stage(models.TextChoices):
    """The stages of Musrenbang, in order. An usulan reaches the next one when the step at
    its current stage is accepted."""

    RT_RW = "rt_rw", _("Musyawarah RT/RW")
    KELURAHAN = "kelurahan", _("Musrenbang kelurahan")
    KECAMATAN = "kecamatan", _("Musrenbang kecamatan")
    KOTA = "kota", _("Musrenbang kota")
    RENJA = "renja", _("Rencana kerja OPD (Renja)")
    RKPD = "rkpd", _("RKPD")
    BUDGETED = "budgeted", _("Dianggarkan (APBD)")
    BUILDING = "building", _("Sedang dibangun")
    DONE = "done", _("Selesai")


STAGE_ORDER = list(Stage.values)
# The forum stage at which the PB vote of an area is that forum's priority list.
FORUM_STAGE_OF_LEVEL = {AreaLevel.KELURAHAN: Stage.KELURAHAN, AreaLevel.KECAMATAN: Stage.KECAMATAN,
                        AreaLevel.KOTA: Stage.KOTA}


class Recommendation(models.TextChoices):
    ACCEPTED = "accepted", _("Diterima")
    DEFERRED = "deferred", _("Ditunda")
    REFUSED = "refused", _("Ditolak")


class JourneyStep(models.Model):
    """What the responsible person decided about an usulan at one stage, in one round.
    Public: the proposal page shows every step as a timeline."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="journey_steps")
    round = models.ForeignKey(Round, verbose_name=_("putaran"), on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(_("tahap"), max_length=12, choices=Stage.choices)
    recommendation = models.CharField(_("rekomendasi"), max_length=10, choices=Recommendation.choices)
    reason = models.TextField(_("alasan"), max_length=2000)
    recommended_amount = models.BigIntegerField(_("pagu yang direkomendasikan (Rp)"), null=True, blank=True)
    forum = models.ForeignKey("Forum", verbose_name=_("forum"), on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="steps")
    # Who recorded it; never shown publicly (the role is, through the stage).
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    automatic = models.BooleanField(_("otomatis dari hasil pemungutan suara"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("langkah jejak usulan")
        verbose_name_plural = _("jejak usulan")
        constraints = [
            # Once per stage and round: a second click, or the result applied twice, adds nothing.
            models.UniqueConstraint(fields=["proposal", "round", "stage"], name="one_step_per_stage_per_round"),
            models.CheckConstraint(condition=Q(recommended_amount__isnull=True) | Q(recommended_amount__gte=0),
                                   name="recommended_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} {self.stage}: {self.recommendation}"

    @property
    def stage_index(self) -> int:
        return STAGE_ORDER.index(self.stage)


class Forum(models.Model):
    """A musyawarah of one round: a kelurahan, a kecamatan or the city forum."""

    round = models.ForeignKey(Round, verbose_name=_("putaran"), on_delete=models.CASCADE, related_name="forums")
    level = models.CharField(_("tingkat"), max_length=10, choices=AreaLevel.choices)
    kelurahan = models.ForeignKey(Kelurahan, verbose_name=_("kelurahan"), on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+")
    kecamatan = models.ForeignKey(Kecamatan, verbose_name=_("kecamatan"), on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+")
    held_at = models.DateTimeField(_("tanggal dan jam"))
    place = models.CharField(_("tempat"), max_length=255)
    officers = models.TextField(_("pimpinan dan notulis"), max_length=2000,
                                help_text=_("Satu per baris, misalnya “Pimpinan sidang: Ketua LPM”."))
    attendance_men = models.PositiveIntegerField(_("peserta laki-laki"), default=0)
    attendance_women = models.PositiveIntegerField(_("peserta perempuan"), default=0)
    delegates = models.TextField(_("delegasi ke musrenbang berikutnya"), max_length=2000, blank=True,
                                 help_text=_("Satu per baris: nama dan unsur, misalnya “Siti Aminah (PKK)”."))
    notes = models.TextField(_("catatan"), max_length=5000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["round", "level", "held_at"]
        verbose_name = _("forum musrenbang")
        verbose_name_plural = _("forum musrenbang")
        constraints = [
            models.CheckConstraint(
                condition=(Q(level="kelurahan", kelurahan__isnull=False, kecamatan__isnull=True)
                           | Q(level="kecamatan", kecamatan__isnull=False, kelurahan__isnull=True)
                           | Q(level="kota", kelurahan__isnull=True, kecamatan__isnull=True)),
                name="forum_level_matches_wilayah"),
            models.UniqueConstraint(fields=["round", "kelurahan"], condition=Q(level="kelurahan"),
                                    name="one_kelurahan_forum_per_round"),
            models.UniqueConstraint(fields=["round", "kecamatan"], condition=Q(level="kecamatan"),
                                    name="one_kecamatan_forum_per_round"),
            models.UniqueConstraint(fields=["round"], condition=Q(level="kota"), name="one_city_forum_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.place_name} · {self.round}"

    @property
    def place_name(self) -> str:
        if self.kelurahan_id:
            return self.kelurahan.name
        if self.kecamatan_id:
            return self.kecamatan.name
        return "Balikpapan"

    @property
    def attendance(self) -> int:
        return self.attendance_men + self.attendance_women

    @property
    def women_percent(self) -> int | None:
        """The share of women, in whole percent (Musrenbang guidance asks for it to be reported)."""
        return round(self.attendance_women * 100 / self.attendance) if self.attendance else None

    @property
    def stage(self) -> str:
        return FORUM_STAGE_OF_LEVEL[self.level]


class ForumPriority(models.Model):
    """The priorities a forum agreed, in order."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="priorities")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(_("peringkat"))

    class Meta:
        ordering = ["forum", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["forum", "proposal"], name="forum_priority_once"),
            models.UniqueConstraint(fields=["forum", "rank"], name="forum_priority_rank_once"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="forum_priority_rank_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.forum_id} #{self.rank}: {self.proposal_id}"


class CarryOver(models.Model):
    """An usulan carried from one round into the next: the same record, history, supporters and
    followers; "usulan 2026, dilanjutkan"."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="carry_overs")
    from_round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    to_round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    from_status = models.CharField(max_length=16)
    reason = models.TextField(_("alasan"), max_length=2000, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("usulan dilanjutkan")
        verbose_name_plural = _("usulan dilanjutkan")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "to_round"], name="carry_once_into_a_round"),
            models.CheckConstraint(condition=~Q(from_round=F("to_round")), name="carry_into_another_round"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.from_round_id} -> {self.to_round_id}"


class AppliedResult(models.Model):
    """A published PB result whose funded usulan have been moved on (so it is applied once)."""

    snapshot = models.OneToOneField("voting.ResultSnapshot", on_delete=models.CASCADE, related_name="+")
    moved = models.PositiveIntegerField(default=0)
    applied_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"snapshot {self.snapshot_id}: {self.moved} moved"
