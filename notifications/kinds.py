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
    BALLOT_RECORDED = "ballot_recorded", _("Surat suara saya tercatat")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    INBOX = "inbox", _("Kotak masuk")
