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
    # Never the choices nor the receipt code: an e-mail box is not a ballot box.
    Kind.BALLOT_RECORDED: (
        _("Surat suara Anda tercatat: %(round_name)s"),
        [
            Line(_("Surat suara Anda untuk %(area_name)s dalam %(round_name)s sudah tercatat.")),
            Line(_("Email ini sengaja tidak memuat pilihan Anda maupun kode tanda terima. Selama pemungutan suara "
                   "dibuka, Anda dapat mengubah pilihan; yang dihitung hanya surat suara terakhir.")),
            Line(_("Jika bukan Anda yang memilih, segera hubungi LPM kelurahan Anda.")),
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
    # A step of Musrenbang (forum, OPD, RKPD, ...). Labels come as {"id": ..., "en": ...}.
    Kind.PROPOSAL_JOURNEY: (
        _("Jejak usulan “%(title)s”: %(stage_label)s"),
        [
            Line(_("Ada langkah baru pada jejak usulan “%(title)s” yang Anda ikuti atau dukung.")),
            Line(_("Tahap: %(stage_label)s"), requires=("stage_label",)),
            Line(_("Rekomendasi: %(recommendation_label)s"), requires=("recommendation_label",)),
            Line(_("Alasan: %(reason)s"), requires=("reason",)),
            Line(_("Pagu yang direkomendasikan: %(amount)s"), requires=("amount",)),
            Line(_("Lihat seluruh jejak usulan ini di halaman usulan.")),
        ],
    ),
    Kind.ACCOUNT_SECURITY: (
        _("Kata sandi akun Suara Warga Anda diatur ulang di meja LPM"),
        [
            Line(_("Kata sandi akun Anda diganti pada %(when)s melalui tautan yang dibuat petugas LPM "
                   "Kelurahan %(kelurahan)s.")),
            Line(_("Selama 24 jam setelahnya, pilihan pada surat suara Anda tidak ditampilkan dan tidak dapat diubah.")),
            Line(_("Jika bukan Anda yang meminta, segera datang ke LPM kelurahan Anda dengan KTP, atau hubungi "
                   "admin kota.")),
        ],
    ),
    Kind.NIK_MOVED: (
        _("NIK dipindahkan dari akun Anda"),
        [
            Line(_("Pemilik KTP dengan NIK yang terdaftar di akun Anda datang ke LPM kelurahannya, dan petugas LPM "
                   "memindahkan NIK itu ke akun pemiliknya.")),
            Line(_("Akun Anda tetap ada, tetapi tanpa NIK dan tanpa domisili terverifikasi, sehingga tidak dapat "
                   "memilih. Jika NIK itu memang milik Anda, datanglah ke LPM kelurahan Anda dengan KTP.")),
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


def _in_language(value):
    """A value given in several languages ({"id": ..., "en": ...}, such as a label another app
    translated) in the reader's language, Indonesian when theirs is missing."""
    if isinstance(value, dict) and "id" in value:
        return value.get((translation.get_language() or "id")[:2]) or value["id"]
    return value


def _values(context: dict) -> _Values:
    context = {key: _in_language(value) for key, value in context.items()}
    values = _Values({key: value for key, value in context.items() if _present(value)})
    for moment in ("closes_at", "when"):
        if moment in values:
            values[moment] = _format_datetime(values[moment])
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
