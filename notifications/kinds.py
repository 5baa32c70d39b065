"""The kinds of notification. Other apps name a kind; the texts for each live here."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    PROPOSAL_STATUS = "proposal_status", _("Status usulan saya berubah")
    PROPOSAL_COMMENT = "proposal_comment", _("Komentar baru pada usulan saya")
    VOTING_OPENED = "voting_opened", _("Pemungutan suara dibuka di wilayah saya")
    VOTING_CLOSING = "voting_closing", _("Pemungutan suara ditutup dalam 24 jam")
    RESULTS_PUBLISHED = "results_published", _("Hasil diumumkan")
    PROJECT_PROGRESS = "project_progress", _("Perkembangan proyek yang saya ikuti")
    PROPOSAL_JOURNEY = "proposal_journey", _("Jejak usulan yang saya ikuti atau dukung")
    ACCOUNT_SECURITY = "account_security", _("Keamanan akun saya")
    NIK_MOVED = "nik_moved", _("NIK akun saya dipindahkan oleh LPM")
    BALLOT_RECORDED = "ballot_recorded", _("Surat suara saya tercatat")


# Told whatever the preferences say (and not offered on the preferences page): a person must learn
# that someone else changed their password.
ALWAYS_SENT = frozenset({Kind.ACCOUNT_SECURITY})


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    INBOX = "inbox", _("Kotak masuk")
