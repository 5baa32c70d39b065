"""Reading a ballot from a plain HTML form (works without JavaScript) and the paper ballot form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rounds.models import BallotType, Round

MAX_FIELD = 6  # digits in a rank or a number of points; anything longer is tampering


def _small_digits(text: str) -> bool:
    """ASCII digits only ('²' is a digit to str.isdigit(), not a number to int()), at most MAX_FIELD."""
    return text.isascii() and text.isdigit() and len(text) <= MAX_FIELD


def ballot_from_post(*, round: Round, project_ids: list[str], data) -> tuple[list | dict, bool]:
    """The choices a form submitted, in the shape the services take. Raises ValidationError with words."""
    blank = data.get("blank") == "1"
    kind = round.ballot_type
    if kind in (BallotType.APPROVAL, BallotType.KNAPSACK):
        return [str(v)[:64] for v in data.getlist("project")], blank
    if kind == BallotType.RANKED:
        ranks: dict[int, str] = {}
        for pid in project_ids:
            raw = (data.get(f"rank_{pid}") or "").strip()
            if not raw:
                continue
            if not _small_digits(raw):
                raise ValidationError(_("Peringkat harus berupa angka 1 sampai %(k)d.") % {"k": round.max_choices})
            rank = int(raw)
            if not 1 <= rank <= round.max_choices:
                raise ValidationError(_("Peringkat harus berupa angka 1 sampai %(k)d.") % {"k": round.max_choices})
            if rank in ranks:
                raise ValidationError(_("Peringkat %(rank)d diberikan pada lebih dari satu proyek.") % {"rank": rank})
            ranks[rank] = pid
        return [ranks[r] for r in sorted(ranks)], blank
    points: dict[str, int] = {}
    for pid in project_ids:
        raw = (data.get(f"points_{pid}") or "").strip()
        if not raw:
            continue
        negative = raw.startswith("-")
        digits = raw[1:] if negative else raw
        if not _small_digits(digits):
            raise ValidationError(_("Poin harus berupa bilangan bulat."))
        points[pid] = -int(digits) if negative else int(digits)
    return points, blank


class PaperBallotNikForm(forms.Form):
    nik = forms.CharField(
        label=gettext_lazy("NIK warga (16 digit, dari KTP)"), max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class WithdrawalForm(forms.Form):
    """An admin's reason for taking a project off an open ballot: shown to the public."""

    reason = forms.CharField(
        label=gettext_lazy("Alasan penarikan (diumumkan)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Ditampilkan di halaman usulan dan halaman hasil. Suara untuk proyek ini tidak dihitung; "
                               "pilihan lain pada surat suara yang sama tetap dihitung."),
    )
    confirm = forms.BooleanField(label=gettext_lazy("Saya mengerti bahwa penarikan tidak dapat dibatalkan."))
