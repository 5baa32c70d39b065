from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from wilayah.models import Kecamatan, Kelurahan

from .phases import PHASE_ORDER, Feature, allows


class Category(models.Model):
    """Priorities of the city (SPEC section 3). Verifikator staff are scoped to categories."""

    slug = models.SlugField(primary_key=True, max_length=40)
    name = models.CharField(_("nama"), max_length=80)
    name_en = models.CharField(_("nama (Inggris)"), max_length=80)
    color = models.CharField(_("warna peta"), max_length=7, default="#0b6e4f")
    order = models.PositiveSmallIntegerField(default=0)
    verifikators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("verifikator"), blank=True, related_name="verified_categories"
    )

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = _("kategori")
        verbose_name_plural = _("kategori")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.name_en if get_language() == "en" else self.name


class BallotType(models.TextChoices):
    APPROVAL = "approval", _("Persetujuan (pilih hingga k proyek)")
    KNAPSACK = "knapsack", _("Anggaran (pilih proyek dalam batas pagu)")
    RANKED = "ranked", _("Peringkat (urutkan k proyek teratas)")
    CUMULATIVE = "cumulative", _("Poin (bagikan N poin)")


class TallyRule(models.TextChoices):
    GREEDY = "greedy", _("Suara terbanyak (greedy)")
    MES = "mes", _("Metode Bagi Rata (Method of Equal Shares)")
    BORDA = "borda", _("Poin peringkat (Borda)")


class Add1Stop(models.TextChoices):
    EXHAUSTIVE = "exhaustive", _("Berhenti pada hasil pertama yang habis (pabutools)")
    INFEASIBLE = "infeasible", _("Berhenti sebelum langkah yang melebihi anggaran (Wieliczka)")


class Phase(models.TextChoices):
    DRAFT = "draft", _("Persiapan")
    SUBMISSION = "submission", _("Pengajuan usulan")
    SUPPORT = "support", _("Dukungan")
    REVIEW = "review", _("Verifikasi")
    VOTING = "voting", _("Pemungutan suara")
    TALLYING = "tallying", _("Rekapitulasi")
    RESULTS = "results", _("Hasil")
    IMPLEMENTATION = "implementation", _("Pelaksanaan")


class Round(models.Model):
    name = models.CharField(_("nama"), max_length=150)
    year = models.PositiveSmallIntegerField(_("tahun anggaran"))
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("deskripsi"), blank=True)
    ballot_type = models.CharField(_("jenis surat suara"), max_length=12, choices=BallotType.choices, default=BallotType.KNAPSACK)
    # approval and ranked: how many projects a voter may pick or rank (k)
    max_choices = models.PositiveSmallIntegerField(_("jumlah pilihan maksimal"), default=5)
    # cumulative: how many points a voter spreads
    points = models.PositiveSmallIntegerField(_("jumlah poin"), default=10)
    tally_rule = models.CharField(_("aturan penghitungan"), max_length=8, choices=TallyRule.choices, default=TallyRule.GREEDY)
    add1_stop = models.CharField(_("batas penyempurnaan add1"), max_length=12, choices=Add1Stop.choices, default=Add1Stop.EXHAUSTIVE)
    requires_verified_residence = models.BooleanField(_("domisili harus terverifikasi untuk memilih"), default=False)
    premoderation = models.BooleanField(_("usulan diperiksa sebelum tampil"), default=True)
    flag_threshold = models.PositiveSmallIntegerField(_("laporan sebelum konten disembunyikan"), default=3)
    phase = models.CharField(_("tahap aktif"), max_length=16, choices=Phase.choices, default=Phase.DRAFT)
    phase_changed_at = models.DateTimeField(_("tahap berganti"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = _("putaran anggaran")
        verbose_name_plural = _("putaran anggaran")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("rounds:detail", args=[self.slug])

    def allows(self, feature: Feature | str) -> bool:
        return allows(self.phase, feature)

    @property
    def phase_index(self) -> int:
        return PHASE_ORDER.index(self.phase)


class PhaseSchedule(models.Model):
    """When a phase starts and ends. Beat moves `Round.phase` along this schedule."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="schedule")
    phase = models.CharField(_("tahap"), max_length=16, choices=Phase.choices)
    start = models.DateTimeField(_("mulai"))
    end = models.DateTimeField(_("selesai"))

    class Meta:
        ordering = ["round", "start"]
        verbose_name = _("jadwal tahap")
        verbose_name_plural = _("jadwal tahap")
        constraints = [
            models.UniqueConstraint(fields=["round", "phase"], name="one_schedule_per_phase"),
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="phase_starts_before_it_ends"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.get_phase_display()}"


class AreaLevel(models.TextChoices):
    KELURAHAN = "kelurahan", _("Kelurahan")
    KECAMATAN = "kecamatan", _("Kecamatan")
    KOTA = "kota", _("Kota")


class Area(models.Model):
    """Where a round spends money: a kelurahan, a kecamatan or the whole city, with its pagu."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="areas")
    level = models.CharField(_("tingkat"), max_length=10, choices=AreaLevel.choices)
    kelurahan = models.ForeignKey(Kelurahan, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kecamatan = models.ForeignKey(Kecamatan, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The Kemendagri code (64.71 for the city); for imported pabulib rounds, the instance's unit.
    code = models.CharField(_("kode"), max_length=64)
    name = models.CharField(_("nama"), max_length=150)
    budget = models.BigIntegerField(_("pagu (Rp)"))

    class Meta:
        ordering = ["round", "level", "code"]
        verbose_name = _("wilayah anggaran")
        verbose_name_plural = _("wilayah anggaran")
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="one_area_per_code_per_round"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="area_budget_not_negative"),
            models.CheckConstraint(
                condition=(
                    Q(level="kelurahan", kelurahan__isnull=False)
                    | Q(level="kecamatan", kecamatan__isnull=False, kelurahan__isnull=True)
                    | Q(level="kota", kelurahan__isnull=True, kecamatan__isnull=True)
                ),
                name="area_level_matches_wilayah",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """"Kelurahan Gunung Bahagia", "Kecamatan Balikpapan Utara", "Kota Balikpapan": the
        level once, whether or not the name already carries it."""
        if self.name.lower().startswith(("kelurahan ", "kecamatan ", "kota ")):
            return self.name
        return f"{self.get_level_display()} {self.name}"

    def contains_kelurahan(self, kelurahan_id: str | None) -> bool:
        """Whether a resident of this kelurahan lives inside the area."""
        if not kelurahan_id:
            return False
        if self.level == AreaLevel.KOTA:
            return True
        if self.level == AreaLevel.KECAMATAN:
            return kelurahan_id[:8] == self.kecamatan_id
        return kelurahan_id == self.kelurahan_id
