"""The outbox. A row is written in the same transaction as the event that causes it;
delivery reads it back later, so a broker outage delays a message but never loses it."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .kinds import Channel, Kind


class EmailStatus(models.TextChoices):
    NONE = "none", _("tanpa email")
    QUEUED = "queued", _("antre")
    # Claimed by a worker that is talking to the mail server; next_attempt_at is its lease.
    SENDING = "sending", _("sedang dikirim")
    SENT = "sent", _("terkirim")
    FAILED = "failed", _("gagal")


class FanoutBatch(models.Model):
    """A few hundred recipients of one city-wide message, written in the caller's transaction.

    A worker turns it into Notification rows; until then the sweep keeps offering it.
    """

    kind = models.CharField(_("jenis"), max_length=32, choices=Kind.choices)
    context = models.JSONField(_("konteks"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    url = models.CharField(_("tautan"), max_length=300, blank=True)
    recipient_ids = models.JSONField(_("penerima"), default=list)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    # Nobody else picks it up before this moment (the task queued on commit has it until then).
    next_attempt_at = models.DateTimeField(_("dicoba lagi"), db_index=True)
    done_at = models.DateTimeField(_("selesai"), null=True, blank=True)

    class Meta:
        verbose_name = _("kiriman massal")
        verbose_name_plural = _("kiriman massal")
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(done_at__isnull=True), name="notif_batch_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({len(self.recipient_ids)})"


class Notification(models.Model):
    """One message to one person: an inbox entry, an email, or both."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("penerima"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("jenis"), max_length=32, choices=Kind.choices)
    # Rendered at delivery, in the recipient's language, from these values.
    context = models.JSONField(_("konteks"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    url = models.CharField(_("tautan"), max_length=300, blank=True)
    batch = models.ForeignKey(
        FanoutBatch, verbose_name=_("kiriman massal"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="notifications",
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    in_inbox = models.BooleanField(_("di kotak masuk"), default=True)
    read_at = models.DateTimeField(_("dibaca"), null=True, blank=True)

    email_status = models.CharField(
        _("status email"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.NONE
    )
    email_attempts = models.PositiveSmallIntegerField(_("percobaan email"), default=0)
    next_attempt_at = models.DateTimeField(_("dicoba lagi"), null=True, blank=True)
    sent_at = models.DateTimeField(_("terkirim"), null=True, blank=True)
    last_error = models.TextField(_("galat terakhir"), blank=True)

    class Meta:
        verbose_name = _("notifikasi")
        verbose_name_plural = _("notifikasi")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], condition=Q(in_inbox=True), name="notif_inbox_idx"),
            models.Index(
                fields=["recipient"], condition=Q(in_inbox=True, read_at__isnull=True), name="notif_unread_idx"
            ),
            # What the sweep looks for: queued rows and claimed rows whose lease ran out.
            models.Index(
                fields=["next_attempt_at"], condition=Q(email_status__in=["queued", "sending"]),
                name="notif_email_pending_idx",
            ),
        ]
        constraints = [
            # Expanding a batch twice cannot give anyone the same message twice.
            models.UniqueConstraint(fields=["batch", "recipient"], name="notif_one_per_batch_recipient"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id} #{self.pk}"


class OptOut(models.Model):
    """A kind the person does not want on a channel. No row means yes: everything is on by default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_opt_outs"
    )
    kind = models.CharField(_("jenis"), max_length=32, choices=Kind.choices)
    channel = models.CharField(_("saluran"), max_length=10, choices=Channel.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("penolakan notifikasi")
        verbose_name_plural = _("penolakan notifikasi")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "channel"], name="notif_optout_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind}/{self.channel}"
