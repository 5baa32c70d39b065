"""Turning a stored kind + context into words, in the reader's language.

Texts are gettext strings with %(name)s placeholders; a key the caller did not pass
renders as a dash (or drops an optional line) instead of failing a delivery.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.urls import Resolver404, translate_url
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from .kinds import Kind

WITA = ZoneInfo("Asia/Makassar")

MISSING = "-"


@dataclass(frozen=True)
class Line:
    text: str
    # The line is left out when any of these keys is missing or empty.
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Message:
    subject: str
    lines: list[str]


TEXTS: dict[str, tuple[str, list[Line]]] = {
    Kind.PROPOSAL_STATUS: (
        _("Status usulan “%(title)s”: %(status_label)s"),
        [
            Line(_("Status usulan Anda “%(title)s” sekarang: %(status_label)s.")),
            Line(_("Alasan dari moderator: %(reason)s"), requires=("reason",)),
        ],
    ),
    Kind.PROPOSAL_COMMENT: (
        _("Komentar baru pada usulan “%(title)s”"),
        [
            Line(_("%(commenter)s mengomentari usulan Anda “%(title)s”.")),
            Line(_("“%(excerpt)s”"), requires=("excerpt",)),
        ],
    ),
    Kind.VOTING_OPENED: (
        _("Pemungutan suara dibuka: %(round_name)s"),
        [
            Line(_("Pemungutan suara %(round_name)s untuk %(area_name)s sudah dibuka. Pilih proyek prioritas Anda.")),
            Line(_("Pemungutan suara ditutup pada %(closes_at)s."), requires=("closes_at",)),
        ],
    ),
    Kind.VOTING_CLOSING: (
        _("Pemungutan suara ditutup dalam 24 jam: %(round_name)s"),
        [
            Line(_("Pemungutan suara %(round_name)s untuk %(area_name)s segera ditutup, dan Anda belum memilih.")),
            Line(_("Pemungutan suara ditutup pada %(closes_at)s."), requires=("closes_at",)),
        ],
    ),
    Kind.RESULTS_PUBLISHED: (
        _("Hasil diumumkan: %(round_name)s"),
        [
            Line(_("Hasil %(round_name)s untuk %(area_name)s sudah diumumkan.")),
            Line(_("Lihat proyek mana yang didanai dan alasannya.")),
        ],
    ),
    Kind.PROJECT_PROGRESS: (
        _("Perkembangan proyek “%(title)s”"),
        [
            Line(_("Ada kabar baru tentang proyek “%(title)s” yang Anda ikuti.")),
            Line(_("Status: %(status_label)s"), requires=("status_label",)),
            Line(_("Kemajuan: %(percent)s%%"), requires=("percent",)),
            Line(_("Catatan: %(note)s"), requires=("note",)),
        ],
    ),
}


class _Values(dict):
    def __missing__(self, key: str) -> str:
        return MISSING


def _present(value) -> bool:
    return value is not None and value != ""


def _format_datetime(value: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    # Balikpapan's time whatever zone is active (a worker may run with another), 24-hour time and
    # "WITA", which read the same in both languages.
    local = timezone.localtime(moment, WITA)
    return f"{formats.date_format(local, 'DATE_FORMAT')} {local:%H:%M} WITA"


def _values(context: dict) -> _Values:
    values = _Values({key: value for key, value in context.items() if _present(value)})
    if "closes_at" in values:
        values["closes_at"] = _format_datetime(values["closes_at"])
    return values


def render_message(*, kind: str, context: dict, language: str | None = None) -> Message:
    """The subject and body lines of a notification, in `language` (default: the active one)."""
    with translation.override(language or translation.get_language()):
        try:
            subject_text, lines = TEXTS[kind]
        except KeyError:
            return Message(subject=str(_("Notifikasi dari Suara Warga")), lines=[])
        values = _values(context or {})
        subject = (str(subject_text) % values).replace("\n", " ").strip()
        body = [str(line.text) % values for line in lines if all(_present(values.get(k)) for k in line.requires)]
        return Message(subject=subject, lines=body)


def localized_path(path: str, language: str) -> str:
    """The same site page in `language` ("/usulan/12/" -> "/en/usulan/12/" for English)."""
    if not path or not path.startswith("/"):
        return path
    try:
        return translate_url(path, language)
    except Resolver404:  # pragma: no cover - translate_url already returns the input on a miss
        return path
