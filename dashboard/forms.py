import re

from django import forms
from django.utils.translation import gettext_lazy as _

from proposals.images import photos_check_before_decoding
from proposals.models import Status
from proposals.money import parse_rupiah
from voting.models import RECEIPT_ALPHABET

RECEIPT_FORMAT = re.compile(rf"^[{RECEIPT_ALPHABET}]{{12}}$")


def normalize_receipt(text: str) -> str:
    """`abcd efgh-jkmn` -> `ABCD-EFGH-JKMN`; empty when it cannot be a receipt code."""
    raw = re.sub(r"[\s\-.]", "", (text or "").upper())
    if not RECEIPT_FORMAT.match(raw):
        return ""
    return f"{raw[0:4]}-{raw[4:8]}-{raw[8:12]}"


class ReceiptForm(forms.Form):
    kode = forms.CharField(
        label=_("Kode tanda terima"), max_length=40,
        help_text=_("12 huruf dan angka pada tanda terima Anda, misalnya ABCD-EFGH-JKMN."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )

    def clean_kode(self) -> str:
        code = normalize_receipt(self.cleaned_data["kode"])
        if not code:
            raise forms.ValidationError(
                _("Kode tanda terima terdiri dari 12 huruf dan angka (tanpa 0, O, 1, I, atau L), misalnya ABCD-EFGH-JKMN.")
            )
        return code


class ProgressForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[(Status.IN_PROGRESS, Status.IN_PROGRESS.label), (Status.COMPLETED, Status.COMPLETED.label)]
    )
    percent = forms.IntegerField(label=_("Persen selesai"), min_value=0, max_value=100)
    spent = forms.CharField(
        label=_("Biaya terpakai (Rp)"), max_length=30, help_text=_("Contoh: 250.000.000"),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    note = forms.CharField(label=_("Catatan"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    # A plain FileField: Django's ImageField opens and verifies the image before its size is
    # known to be sane. progress_post decodes it (proposals.images.photo_process) once this
    # form has checked its size.
    photo = forms.FileField(label=_("Foto (opsional)"), required=False,
                            help_text=_("JPEG, PNG, atau WebP, paling besar 5 MB. Lokasi GPS dihapus."),
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo:
            photos_check_before_decoding([photo])
        return photo

    def clean_spent(self) -> int:
        try:
            return parse_rupiah(self.cleaned_data["spent"])
        except ValueError:
            raise forms.ValidationError(_("Tulis jumlah rupiah tanpa sen, misalnya 250.000.000.")) from None

    def clean(self):
        data = super().clean()
        if data.get("status") == Status.COMPLETED and data.get("percent") not in (None, 100):
            self.add_error("percent", _("Proyek yang selesai harus 100%."))
        return data
