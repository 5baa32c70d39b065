from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from wilayah.models import Kecamatan, Kelurahan

from .phases import PHASE_ORDER, Feature, allows, ballot_locked

# What a voter's ballot and its count depend on: fixed once voting has opened (issue 11).
LOCKED_ROUND_FIELDS = ("ballot_type", "max_choices", "points", "tally_rule", "add1_stop")
LOCKED_AREA_FIELDS = ("round_id", "level", "code", "kelurahan_id", "kecamatan_id", "budget")
BALLOT_LOCKED = _("Surat suara %(round)s sudah dikunci sejak pemungutan suara dibuka: %(what)s tidak dapat diubah lagi.")
AREA_LOCKED = _("Surat suara %(round)s sudah dikunci sejak pemungutan suara dibuka: wilayah anggaran tidak dapat "
                "ditambah, dihapus atau diubah pagunya.")
RESIDENCE_REASON_REQUIRED = _("Tuliskan alasan mengapa putaran ini menerima suara dari akun yang domisilinya belum "
                              "diverifikasi. Alasan ini ditampilkan di halaman putaran.")
PHASE_ONLY_FORWARD = _("Sejak pemungutan suara dibuka, tahap hanya dapat maju: dari %(current)s tidak dapat "
                       "kembali ke %(target)s.")


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
    requires_verified_residence = models.BooleanField(_("domisili harus terverifikasi untuk memilih"), default=True)
    # One real resident, one vote: a round open to unverified accounts says why, on its page.
    residence_open_reason = models.TextField(
        _("alasan memilih tanpa verifikasi domisili"), blank=True,
        help_text=_("Wajib diisi jika domisili tidak harus terverifikasi; ditampilkan di halaman putaran."),
    )
    premoderation = models.BooleanField(_("usulan diperiksa sebelum tampil"), default=True)
    flag_threshold = models.PositiveSmallIntegerField(_("laporan sebelum konten disembunyikan"), default=3)
    phase = models.CharField(_("tahap aktif"), max_length=16, choices=Phase.choices, default=Phase.DRAFT)
    phase_changed_at = models.DateTimeField(_("tahap berganti"), null=True, blank=True)
    # Set by the one-step publication of every area's result; residents are told once, then.
    results_published_at = models.DateTimeField(_("hasil putaran diumumkan"), null=True, blank=True, editable=False)
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

    @property
    def ballot_locked(self) -> bool:
        return ballot_locked(self.phase)

    def clean(self):
        """Every form (the admin's too) and every service that calls full_clean() checks here that a
        round whose voting has opened keeps its ballot settings and never moves back a phase."""
        super().clean()
        if not self.requires_verified_residence and not (self.residence_open_reason or "").strip():
            raise ValidationError({"residence_open_reason": ValidationError(RESIDENCE_REASON_REQUIRED,
                                                                            code="reason_required")})
        stored = Round.objects.filter(pk=self.pk).values("phase", *LOCKED_ROUND_FIELDS).first() if self.pk else None
        if stored is None or not ballot_locked(stored["phase"]):
            return
        errors = {}
        for field in LOCKED_ROUND_FIELDS:
            if getattr(self, field) != stored[field]:
                errors[field] = ValidationError(BALLOT_LOCKED, code="ballot_locked", params={
                    "round": self.name, "what": self._meta.get_field(field).verbose_name})
        if self.phase in PHASE_ORDER and PHASE_ORDER.index(self.phase) < PHASE_ORDER.index(stored["phase"]):
            errors["phase"] = ValidationError(PHASE_ONLY_FORWARD, code="phase_backward", params={
                "current": Phase(stored["phase"]).label, "target": Phase(self.phase).label})
        if errors:
            raise ValidationError(errors)


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

    def clean(self):
        """No area joins, leaves or changes its pagu once its round's voting has opened."""
        super().clean()
        stored = Area.objects.filter(pk=self.pk).values(*LOCKED_AREA_FIELDS).first() if self.pk else None
        rounds_now = [self.round_id] + ([stored["round_id"]] if stored else [])
        phases = Round.objects.filter(pk__in=[r for r in rounds_now if r]).values_list("name", "phase")
        locked = [name for name, phase in phases if ballot_locked(phase)]
        if not locked:
            return
        if stored is None or any(getattr(self, field) != stored[field] for field in LOCKED_AREA_FIELDS):
            raise ValidationError(AREA_LOCKED, code="ballot_locked", params={"round": locked[0]})

    def contains_kelurahan(self, kelurahan_id: str | None) -> bool:
        """Whether a resident of this kelurahan lives inside the area."""
        if not kelurahan_id:
            return False
        if self.level == AreaLevel.KOTA:
            return True
        if self.level == AreaLevel.KECAMATAN:
            return kelurahan_id[:8] == self.kecamatan_id
        return kelurahan_id == self.kelurahan_id
