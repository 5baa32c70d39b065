import datetime as dt

from django.contrib.auth.models import AbstractUser, _user_has_perm
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wilayah.models import Kecamatan, Kelurahan

from .managers import UserManager
from .phone import normalise_mobile

INVALID_PHONE = _("Nomor HP tidak valid. Gunakan nomor seluler Indonesia, contoh 0812 3456 7890.")


def phone_clean(raw: str) -> str:
    """A mobile number in its one stored spelling (+62...), "" for none; a clear error otherwise.
    One spelling, so that signing in with any spelling finds the account."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    phone = normalise_mobile(raw)
    if phone is None:
        raise ValidationError(INVALID_PHONE)
    return phone


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Warga")
    MODERATOR = "moderator", _("Moderator (LPM)")
    VERIFIKATOR = "verifikator", _("Verifikator (OPD)")
    COUNCIL = "council", _("Dewan / Bappeda")
    ADMIN = "admin", _("Admin kota")


class Gender(models.TextChoices):
    MALE = "L", _("Laki-laki")
    FEMALE = "P", _("Perempuan")


class User(AbstractUser):
    """A person with an account. Of the NIK only a keyed hash is kept, and what eligibility and
    turnout statistics need: gender and birth year, and for a minor the day they turn 17 (until
    it has passed). Nothing stored narrows the NIK to fewer than about 10,000 candidates (the
    4-digit serial stays unknown): see tests/accounts/test_nik_rebuild.py."""

    username = None
    first_name = None
    last_name = None
    # Email and/or mobile number (SPEC 4): many residents have a phone but no email address.
    # A person without email signs in with their number and is told everything in the inbox.
    email = models.EmailField(_("email"), unique=True, null=True, blank=True)
    full_name = models.CharField(_("nama lengkap"), max_length=150)
    phone = models.CharField(_("nomor HP"), max_length=16, blank=True)  # +62..., normalised

    nik_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    gender = models.CharField(_("jenis kelamin"), max_length=1, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("tahun lahir"), null=True, blank=True, editable=False)
    # Only for someone under 17: the day they may start voting. Forgotten once it has passed
    # (accounts.tasks.forget_passed_adult_dates); with the full date and the gender, only the
    # serial (9,999 candidates) of the NIK would be unknown, and that only for a while.
    adult_on = models.DateField(_("berhak memilih mulai"), null=True, blank=True, editable=False)

    kelurahan = models.ForeignKey(
        Kelurahan, verbose_name=_("kelurahan domisili"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="residents",
    )
    residence_verified_at = models.DateTimeField(_("domisili diverifikasi"), null=True, blank=True)
    email_verified_at = models.DateTimeField(_("email diverifikasi"), null=True, blank=True)
    consent_version = models.CharField(_("versi kebijakan privasi"), max_length=20, blank=True)
    consent_at = models.DateTimeField(_("waktu persetujuan"), null=True, blank=True)
    language = models.CharField(
        _("bahasa notifikasi"), max_length=5, choices=[("id", "Bahasa Indonesia"), ("en", "English")], default="id"
    )

    role = models.CharField(_("peran"), max_length=20, choices=Role.choices, default=Role.CITIZEN)
    moderated_kelurahan = models.ManyToManyField(
        Kelurahan, verbose_name=_("kelurahan yang dimoderasi"), blank=True, related_name="moderators"
    )
    moderated_kecamatan = models.ManyToManyField(
        Kecamatan, verbose_name=_("kecamatan yang dimoderasi"), blank=True, related_name="moderators"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]
    objects = UserManager()

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")
        constraints = [
            models.UniqueConstraint(fields=["phone"], condition=~models.Q(phone=""), name="accounts_user_phone_unique",
                                    violation_error_message=_("Nomor HP ini sudah terdaftar.")),
            models.CheckConstraint(condition=models.Q(email__isnull=False) | ~models.Q(phone=""),
                                   name="accounts_user_email_or_phone",
                                   violation_error_message=_("Isi email atau nomor HP (salah satu cukup).")),
        ]

    def __str__(self) -> str:
        return self.full_name or self.contact

    def clean(self):
        super().clean()  # normalises the email, turning a missing one into ""
        self.email = self.email.lower() if self.email else None
        try:
            self.phone = phone_clean(self.phone)
        except ValidationError as error:
            raise ValidationError({"phone": error}) from None

    @property
    def contact(self) -> str:
        """What the person signs in with: their email, or their mobile number."""
        return self.email or self.phone

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.contact

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_residence_verified(self) -> bool:
        return self.residence_verified_at is not None

    def is_of_voting_age(self, day: dt.date | None = None) -> bool:
        """Known from the NIK: no birth year means no NIK (no vote); a minor's date decides."""
        if self.birth_year is None:
            return False
        if self.adult_on is not None:
            return (day or timezone.localdate()) >= self.adult_on
        return True

    def has_perm(self, perm, obj=None) -> bool:
        """Django lets an active superuser through every check, phase gates included. Here a
        superuser holds exactly what the admin role holds: every backend is asked as for anyone
        else, so the rules decide (`is_admin` counts superusers as admins) and Django's model
        permissions, which ModelBackend grants a superuser in full, open only /admin/."""
        return self.is_active and _user_has_perm(self, perm, obj)


class AuditEntry(models.Model):
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    action = models.CharField(_("tindakan"), max_length=60)
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=64)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("catatan audit")
        verbose_name_plural = _("catatan audit")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target_type}#{self.target_id}"


class ResidenceInvitation(models.Model):
    """A one-time code, printed and handed out through the RT, that verifies the residence of
    whoever enters it, if they declared the code's kelurahan. Only a keyed hash of the code is
    stored: a database dump cannot be used to verify anyone."""

    kelurahan = models.ForeignKey(Kelurahan, verbose_name=_("kelurahan"), on_delete=models.PROTECT,
                                  related_name="residence_invitations")
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    batch = models.UUIDField(_("lembar"), db_index=True, editable=False)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    used_by = models.OneToOneField(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="residence_invitation")
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("kode undangan domisili")
        verbose_name_plural = _("kode undangan domisili")
        ordering = ["-created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kelurahan_id} {self.batch} {'used' if self.used_at else 'open'}"


class DeskPasswordReset(models.Model):
    """A link an LPM officer made at the desk for a resident without email to choose a new password.

    Its own token, not Django's reset token (whose lifetime is global and which works until the
    password changes): only a SHA-256 of the token is stored, it lives DESK_RESET_MINUTES and
    works once. `used_at` also marks the 24 hours in which no page shows the account's ballot
    choices (accounts/desk.py)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="desk_password_resets")
    officer = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    kelurahan = models.ForeignKey(Kelurahan, on_delete=models.SET_NULL, null=True, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("atur ulang sandi di meja LPM")
        verbose_name_plural = _("atur ulang sandi di meja LPM")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M} {'used' if self.used_at else 'open'}"


class CensusEntry(models.Model):
    """One resident of the city's population register (the census extract an admin imports):
    the keyed hash of their NIK, made exactly like `User.nik_hash`, and their kelurahan. The NIK
    itself is never stored. Replaced as a whole by each import (accounts.census)."""

    nik_hash = models.CharField(max_length=64, primary_key=True, editable=False)
    # No constraint in the database: the import checks every code against wilayah itself, and a
    # deferred check of half a million rows would add seconds to every import's commit.
    kelurahan = models.ForeignKey(Kelurahan, verbose_name=_("kelurahan"), on_delete=models.DO_NOTHING,
                                  related_name="+", db_index=False, db_constraint=False)

    class Meta:
        verbose_name = _("data penduduk")
        verbose_name_plural = _("data penduduk")

    def __str__(self) -> str:
        return f"{self.nik_hash[:8]}… {self.kelurahan_id}"


class CensusUpload(models.Model):
    """A census file an admin uploaded in the site, waiting for (or done with) its import by a
    Celery task. The file's content is kept only until the import has read it: the row then
    holds the counts alone."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("menunggu")
        RUNNING = "running", _("sedang diimpor")
        DONE = "done", pgettext_lazy("census upload", "selesai")  # "selesai" alone is a phase's end in English
        FAILED = "failed", _("gagal")

    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    content = models.BinaryField(editable=False)  # emptied after the import
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(_("baris"), default=0)
    rows_done = models.PositiveIntegerField(_("baris diproses"), default=0)
    stored = models.PositiveIntegerField(_("disimpan"), default=0)
    refused = models.PositiveIntegerField(_("ditolak"), default=0)
    verified_accounts = models.PositiveIntegerField(_("akun terverifikasi"), default=0)
    # {reason: "3, 7-9, ..."}: line numbers only, never a NIK
    refused_lines = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)  # imports started; a worker that died counts

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("unggahan data penduduk")
        verbose_name_plural = _("unggahan data penduduk")

    def __str__(self) -> str:
        return f"census upload #{self.pk} {self.status}"
