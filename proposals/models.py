from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rounds.models import Area, Category, Round

from .search import SearchDocument, SearchIndex


class Status(models.TextChoices):
    DRAFT = "draft", _("Draf")
    SUBMITTED = "submitted", _("Diajukan")
    NEEDS_CHANGES = "needs_changes", _("Perlu perbaikan")
    APPROVED = "approved", _("Disetujui LPM")
    REJECTED = "rejected", _("Ditolak")
    MERGED = "merged", _("Digabung")
    HIDDEN = "hidden", _("Disembunyikan")
    FEASIBLE = "feasible", _("Layak")
    INFEASIBLE = "infeasible", _("Tidak layak")
    SELECTED = "selected", _("Terpilih")
    NOT_SELECTED = "not_selected", _("Tidak terpilih")
    IN_PROGRESS = "in_progress", _("Dalam pengerjaan")
    COMPLETED = "completed", _("Selesai")
    WITHDRAWN = "withdrawn", _("Ditarik dari surat suara")


# What the public sees: everything but drafts, hidden content and what waits for moderation
# in a pre-moderated round (the selectors apply that last part per round).
PUBLIC_STATUSES = [s for s in Status.values if s not in {Status.DRAFT, Status.HIDDEN}]
# What goes on the ballot: feasible projects (the valuation also checks they fit the budget).
BALLOT_STATUSES = [Status.FEASIBLE, Status.SELECTED, Status.NOT_SELECTED, Status.IN_PROGRESS, Status.COMPLETED]


class KamusItem(models.Model):
    """One item of the city's kamus usulan: what residents may ask for, with its standard unit
    price (SSH/HSPK). `import_kamus` replaces the list; items no longer in it are kept inactive,
    so proposals that named them keep their reference."""

    code = models.CharField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=255)
    unit = models.CharField(_("satuan"), max_length=40)
    unit_price = models.BigIntegerField(_("harga satuan (Rp)"))
    category = models.ForeignKey(Category, verbose_name=_("kategori"), on_delete=models.PROTECT, related_name="kamus_items")
    opd = models.CharField(_("OPD pelaksana"), max_length=150)
    active = models.BooleanField(_("aktif"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category__order", "code"]
        verbose_name = _("item kamus usulan")
        verbose_name_plural = _("kamus usulan")
        constraints = [models.CheckConstraint(condition=Q(unit_price__gt=0), name="kamus_unit_price_positive")]

    def __str__(self) -> str:
        return f"{self.code} {self.name} (per {self.unit})"


class ProposalManager(models.Manager):
    def get_queryset(self):
        # The search document is only ever searched, never shown: reading it with every proposal
        # would fetch (and de-TOAST) about twice the description's bytes per row for nothing.
        return super().get_queryset().defer("search_document")


class Proposal(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="proposals")
    area = models.ForeignKey(Area, verbose_name=_("wilayah"), on_delete=models.PROTECT, related_name="proposals")
    category = models.ForeignKey(Category, verbose_name=_("kategori"), on_delete=models.PROTECT, related_name="proposals")
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals"
    )
    title = models.CharField(_("judul"), max_length=140)
    description = models.TextField(_("deskripsi"))
    estimated_cost = models.BigIntegerField(_("perkiraan biaya (Rp)"))
    final_cost = models.BigIntegerField(_("biaya akhir (Rp)"), null=True, blank=True)
    latitude = models.FloatField(_("lintang"), null=True, blank=True)
    longitude = models.FloatField(_("bujur"), null=True, blank=True)
    address = models.CharField(_("alamat"), max_length=255, blank=True)
    rt = models.CharField(_("RT"), max_length=3, blank=True)
    rw = models.CharField(_("RW"), max_length=3, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    merged_into = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_from")
    # Imported pabulib projects keep their id, so tallies and exports speak the source's ids.
    external_id = models.CharField(_("id eksternal"), max_length=64, blank=True)
    # From the kamus usulan: the item, the volume (koefisien) and the item as it was when the
    # cost was computed (code, unit, unit price), so a later kamus import cannot rewrite history.
    kamus_item = models.ForeignKey(KamusItem, verbose_name=_("item kamus"), on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="proposals")
    volume = models.DecimalField(_("volume (koefisien)"), max_digits=12, decimal_places=2, null=True, blank=True)
    kamus_code = models.CharField(_("kode kamus"), max_length=40, blank=True)
    kamus_unit = models.CharField(_("satuan"), max_length=40, blank=True)
    kamus_unit_price = models.BigIntegerField(_("harga satuan (Rp)"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # What ?q= searches, kept up to date by PostgreSQL itself (proposals/search.py).
    search_document = models.GeneratedField(expression=SearchDocument(), output_field=SearchVectorField(),
                                            db_persist=True)

    objects = ProposalManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("usulan")
        verbose_name_plural = _("usulan")
        indexes = [models.Index(fields=["round", "area", "status"]),
                   # The list's default order (selectors.SORTS["terbaru"]): a page reads 20 rows of
                   # a round in order instead of sorting all of them.
                   models.Index(fields=["round", "-created_at", "-id"], name="proposal_round_newest"),
                   SearchIndex(fields=["search_document"], name="proposal_search_document")]
        constraints = [
            models.CheckConstraint(condition=Q(estimated_cost__gte=0), name="estimated_cost_not_negative"),
            models.CheckConstraint(condition=Q(final_cost__isnull=True) | Q(final_cost__gte=0), name="final_cost_not_negative"),
            models.UniqueConstraint(
                fields=["round", "external_id"], condition=~Q(external_id=""), name="one_external_id_per_round"
            ),
            models.CheckConstraint(condition=Q(volume__isnull=True) | Q(volume__gt=0), name="volume_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("proposals:detail", args=[self.pk])

    @property
    def cost(self) -> int:
        """The cost that counts: the verifikator's final cost once set."""
        return self.final_cost if self.final_cost is not None else self.estimated_cost

    @property
    def outside_kamus(self) -> bool:
        """"di luar kamus": proposed without an item of the kamus usulan."""
        return not self.kamus_code

    @property
    def project_id(self) -> str:
        """The id used in tallies and exports."""
        return self.external_id or str(self.pk)


class ProposalPhoto(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="proposals/%Y/%m/")
    thumbnail = models.ImageField(upload_to="proposals/%Y/%m/thumbs/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.proposal_id} #{self.order}"


class StatusChange(models.Model):
    """The public status history of a proposal, with every reason given."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    reason = models.TextField(_("alasan"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.from_status} -> {self.to_status}"


class Support(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supports")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="one_support_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} -> {self.proposal_id}"


class Follow(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="one_follow_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.proposal_id}"


class Comment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="comments")
    body = models.TextField(_("komentar"), max_length=2000)
    hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author_id} on {self.proposal_id}"


class Flag(models.Model):
    """A resident's report of abusive content, on a proposal or on a comment."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, null=True, blank=True, related_name="flags")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("alasan"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(proposal__isnull=False, comment__isnull=True) | Q(proposal__isnull=True, comment__isnull=False),
                name="flag_targets_one_thing",
            ),
            models.UniqueConstraint(fields=["proposal", "user"], condition=Q(comment__isnull=True), name="one_flag_per_proposal"),
            models.UniqueConstraint(fields=["comment", "user"], condition=Q(proposal__isnull=True), name="one_flag_per_comment"),
        ]

    def __str__(self) -> str:
        return f"flag by {self.user_id} on {self.proposal_id or self.comment_id}"


class ProgressUpdate(models.Model):
    """Implementation tracking of a funded project, posted by verifikator staff."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="progress_updates")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    percent = models.PositiveSmallIntegerField(_("persen selesai"))
    spent = models.BigIntegerField(_("biaya terpakai (Rp)"), default=0)
    note = models.TextField(_("catatan"), blank=True)
    photo = models.ImageField(upload_to="progress/%Y/%m/", blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(percent__lte=100), name="percent_at_most_100"),
            models.CheckConstraint(condition=Q(spent__gte=0), name="spent_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} {self.percent}%"
