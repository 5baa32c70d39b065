from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from rounds.models import Area, AreaLevel, Category

from . import geo
from .images import MAX_PHOTOS, TOO_MANY_PHOTOS, photo_process, photos_check_before_decoding
from .models import KamusItem, Proposal, ProposalPhoto, Status
from .money import format_rupiah, indicative_cost, parse_rupiah
from .selectors import areas_for_proposer
from .services import OUTSIDE_OWN_AREA

COST_INVALID = _("Tulis biaya dalam rupiah tanpa sen, misalnya 1.250.000 atau 1250000.")


class RupiahField(forms.CharField):
    """Accepts `1.250.000`, `1250000` and `Rp 1.250.000`; cleans to an int of rupiah."""

    def __init__(self, *args, min_value: int = 1, **kwargs):
        self.min_value = min_value
        # No max_length validator: validators run on the cleaned int. The length is checked below.
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "Rp 25.000.000",
                                                           "maxlength": "30"}))
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        if len(value) > 30:
            raise ValidationError(COST_INVALID, code="invalid")
        try:
            amount = parse_rupiah(value)
        except ValueError as error:
            raise ValidationError(COST_INVALID, code="invalid") from error
        if amount < self.min_value:
            raise ValidationError(_("Biaya harus lebih dari nol."), code="min_value")
        return amount

    def prepare_value(self, value):
        if isinstance(value, int):
            return f"{value:,}".replace(",", ".")
        return value


class KamusSelect(forms.Select):
    """Each option carries its unit price and unit, which kamus.js reads to show the cost live."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        item = getattr(value, "instance", None)
        if item is not None:
            option["attrs"].update({"data-harga": str(item.unit_price), "data-satuan": item.unit,
                                    "data-kategori": item.category_id})
        return option


VOLUME_INVALID = _("Tulis volume sebagai angka lebih dari nol, paling banyak dua angka desimal, misalnya 40 atau 12,5.")


class VolumeField(forms.CharField):
    """A volume (koefisien) as people type it: `40`, `12,5` or `12.5`; cleans to a Decimal.
    Hand-written because Django's localized DecimalField reads `12.5` as 125 in Indonesian."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "maxlength": "16"}))
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        from decimal import Decimal, InvalidOperation

        value = super().to_python(value)
        if value in self.empty_values:
            return None
        text = value.replace(" ", "").replace(",", ".")
        if len(text) > 16 or text.count(".") > 1:
            raise ValidationError(VOLUME_INVALID, code="invalid")
        try:
            number = Decimal(text)
        except InvalidOperation as error:
            raise ValidationError(VOLUME_INVALID, code="invalid") from error
        # The size first: quantize() itself fails on 1e309, which Decimal reads happily.
        if not number.is_finite() or number <= 0 or number >= 10**10 or number != number.quantize(Decimal("0.01")):
            raise ValidationError(VOLUME_INVALID, code="invalid")
        return number.quantize(Decimal("0.01"))


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Judul usulan"), max_length=140,
                            help_text=_("Singkat dan jelas, misalnya “Perbaikan drainase Jl. Sungai Ampal RT 12”."))
    category = forms.ModelChoiceField(label=_("Kategori"), queryset=Category.objects.all(), empty_label=None)
    area = forms.ModelChoiceField(label=_("Wilayah"), queryset=Area.objects.none(), empty_label=None,
                                  help_text=_("Kelurahan Anda sudah dipilih. Pilih kecamatan atau kota untuk proyek yang lebih luas."))
    description = forms.CharField(label=_("Deskripsi"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}),
                                  help_text=_("Apa masalahnya, siapa yang terbantu, dan apa yang perlu dibangun."))
    kamus_item = forms.ModelChoiceField(
        label=_("Item kamus usulan"), queryset=KamusItem.objects.none(), required=False, widget=KamusSelect,
        empty_label=_("— di luar kamus (tulis perkiraan biaya sendiri) —"),
        help_text=_("Pilih item dari kamus usulan kota bila ada: biayanya dihitung dari harga satuan standar."))
    volume = VolumeField(label=_("Volume (koefisien)"), required=False,
                         help_text=_("Berapa banyak, dalam satuan item: misalnya 40 (meter) atau 12,5 (m²)."))
    estimated_cost = RupiahField(label=_("Perkiraan biaya (Rp)"), required=False,
                                 help_text=_("Dalam rupiah, misalnya 1.250.000 atau 1250000. Dengan item kamus, "
                                             "biaya dihitung otomatis: volume × harga satuan."))
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    address = forms.CharField(label=_("Alamat atau patokan lokasi"), max_length=255, required=False,
                              help_text=_("Misalnya “Jl. MT Haryono dekat Masjid Al-Ikhlas”. Wajib bila lokasi belum ditandai di peta."))
    rt = forms.RegexField(label=_("RT"), regex=r"^\d{1,3}$", required=False, max_length=3,
                          error_messages={"invalid": _("RT berupa angka, misalnya 012.")},
                          widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    rw = forms.RegexField(label=_("RW"), regex=r"^\d{1,3}$", required=False, max_length=3,
                          error_messages={"invalid": _("RW berupa angka, misalnya 003.")},
                          widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    photos = MultiplePhotoField(label=_("Foto (paling banyak 3)"), required=False,
                                help_text=_("JPEG, PNG, atau WebP, paling besar 5 MB per foto. Data lokasi (EXIF) dihapus."))
    remove_photos = forms.ModelMultipleChoiceField(label=_("Hapus foto"), queryset=ProposalPhoto.objects.none(),
                                                   required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, round_, user, proposal: Proposal | None = None, **kwargs):
        self.round = round_
        self.proposal = proposal
        super().__init__(*args, **kwargs)
        # Where the author lives: their kelurahan, its kecamatan, the city (services check it again).
        author = proposal.proposer if proposal is not None else user
        areas = areas_for_proposer(round_=round_, kelurahan_id=author.kelurahan_id)
        self.fields["area"].queryset = areas
        self.fields["area"].error_messages["invalid_choice"] = OUTSIDE_OWN_AREA
        self.fields["kamus_item"].queryset = KamusItem.objects.filter(active=True).select_related("category")
        self.fields["kamus_item"].label_from_instance = lambda item: (
            f"{item.code} · {item.name} — {format_rupiah(item.unit_price)} / {item.unit}")
        level_order = {AreaLevel.KELURAHAN: 0, AreaLevel.KECAMATAN: 1, AreaLevel.KOTA: 2}
        self.fields["area"].choices = [
            (area.pk, area.label)  # "Kota Balikpapan", never "Kota Kota Balikpapan"
            for area in sorted(areas, key=lambda a: (level_order.get(a.level, 3), a.name))
        ]
        if proposal is None:
            own = next((a for a in areas if a.level == AreaLevel.KELURAHAN and a.kelurahan_id == user.kelurahan_id), None)
            if own is not None:
                self.fields["area"].initial = own.pk
            del self.fields["remove_photos"]
        else:
            self.fields["remove_photos"].queryset = proposal.photos.all()
            self.fields["remove_photos"].label_from_instance = lambda photo: _("Foto %(n)d") % {"n": photo.order + 1}
            if not proposal.photos.exists():
                del self.fields["remove_photos"]

    def clean_photos(self):
        uploads = self.cleaned_data.get("photos") or []
        photos_check_before_decoding(uploads)  # 45 bombs are refused here, none decoded
        processed, errors = [], []
        for upload in uploads:
            try:
                processed.append(photo_process(upload))
            except ValidationError as error:
                errors.append(error)
        if errors:
            raise ValidationError(errors)
        return processed

    def kamus_cost(self) -> int | None:
        """The indicative cost of the chosen item and volume, once both are clean (None otherwise)."""
        data = getattr(self, "cleaned_data", {})
        item, volume = data.get("kamus_item"), data.get("volume")
        if item is None or volume is None:
            return None
        return indicative_cost(volume, item.unit_price)

    def clean(self):
        data = super().clean()
        if data.get("kamus_item") is not None:
            if data.get("volume") is None and "volume" not in self.errors:
                self.add_error("volume", _("Isi volume (koefisien) lebih dari nol untuk item kamus yang dipilih."))
            item, category = data["kamus_item"], data.get("category")
            if category is not None and item.category_id != category.pk:
                self.add_error("category", _("Item kamus yang dipilih termasuk kategori “%(category)s”. Pilih kategori itu.")
                               % {"category": item.category.label})
            cost = self.kamus_cost()
            if cost is not None:
                self.errors.pop("estimated_cost", None)
                data["estimated_cost"] = cost
        elif data.get("estimated_cost") is None and "estimated_cost" not in self.errors and "kamus_item" not in self.errors:
            self.add_error("estimated_cost", _("Tulis perkiraan biaya, atau pilih item kamus dan volumenya."))
        lat, lng = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lng is None):
            raise ValidationError(_("Titik lokasi tidak lengkap. Klik lagi pada peta."))
        if lat is not None and not geo.inside_balikpapan(lat, lng):
            self.add_error(None, _("Titik lokasi berada di luar Kota Balikpapan. Pilih titik di dalam kota."))
            data["latitude"] = data["longitude"] = None
        if lat is None and not data.get("address") and "address" not in self.errors:
            self.add_error("address", _("Tandai lokasi di peta atau tuliskan alamatnya."))
        existing = self.proposal.photos.count() if self.proposal else 0
        removed = len(data.get("remove_photos") or [])
        if existing - removed + len(data.get("photos") or []) > MAX_PHOTOS and "photos" not in self.errors:
            self.add_error("photos", ValidationError(TOO_MANY_PHOTOS, params={"max": MAX_PHOTOS}))
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in ["area", "category", "title", "description", "estimated_cost",
                                              "latitude", "longitude", "address", "rt", "rw", "kamus_item", "volume"]}


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Komentar"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class FlagForm(forms.Form):
    reason = forms.CharField(label=_("Alasan laporan"), max_length=200, required=False)


class ModerationAction:
    APPROVE = "approve"
    REJECT = "reject"
    CHANGES = "changes"
    MERGE = "merge"
    HIDE = "hide"
    RESTORE = "restore"


class ModerationForm(forms.Form):
    action = forms.ChoiceField(choices=[
        (ModerationAction.APPROVE, _("Setujui")), (ModerationAction.CHANGES, _("Minta perbaikan")),
        (ModerationAction.REJECT, _("Tolak")), (ModerationAction.MERGE, _("Gabungkan dengan usulan lain")),
        (ModerationAction.HIDE, _("Sembunyikan")), (ModerationAction.RESTORE, _("Tampilkan kembali")),
    ], label=_("Tindakan"), widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Alasan atau pesan untuk pengusul"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Wajib untuk menolak, meminta perbaikan, dan menyembunyikan. Ditampilkan kepada publik."))
    into = forms.ModelChoiceField(label=_("Gabungkan ke usulan"), queryset=Proposal.objects.none(), required=False)

    def __init__(self, *args, merge_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if merge_queryset is not None:
            self.fields["into"].queryset = merge_queryset

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action in {ModerationAction.REJECT, ModerationAction.CHANGES, ModerationAction.HIDE} and not data.get("reason", "").strip():
            self.add_error("reason", _("Alasan wajib diisi untuk tindakan ini."))
        if action == ModerationAction.MERGE and not data.get("into"):
            self.add_error("into", _("Pilih usulan tujuan penggabungan."))
        return data


class ValuationForm(forms.Form):
    feasible = forms.TypedChoiceField(label=_("Hasil penilaian"), coerce=lambda v: v == "1",
                                      choices=[("1", _("Layak")), ("0", _("Tidak layak"))], widget=forms.RadioSelect)
    final_cost = RupiahField(label=_("Biaya akhir (Rp)"), required=False,
                             help_text=_("Wajib bila layak. Hanya usulan layak yang biayanya tidak melebihi pagu wilayah masuk surat suara."))
    reason = forms.CharField(label=_("Alasan / catatan teknis"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}), help_text=_("Wajib bila tidak layak."))
    over_pagu_confirmed = forms.BooleanField(
        label=_("Saya sudah memeriksa: biaya akhir memang melebihi pagu wilayah"), required=False,
        help_text=_("Hanya bila biaya akhir melebihi pagu; usulan itu tidak akan masuk surat suara."))

    def clean(self):
        data = super().clean()
        if data.get("feasible") is True and not data.get("final_cost") and "final_cost" not in self.errors:
            self.add_error("final_cost", _("Biaya akhir wajib diisi untuk usulan yang layak."))
        if data.get("feasible") is False and not data.get("reason", "").strip():
            self.add_error("reason", _("Jelaskan mengapa usulan tidak layak."))
        return data


STATUS_FILTER_CHOICES = [("", _("Semua status"))] + [
    (value, label) for value, label in Status.choices if value not in {Status.DRAFT, Status.HIDDEN}
]
SORT_CHOICES = [("terbaru", _("Terbaru")), ("dukungan", _("Dukungan terbanyak"))]


def _options_html(choices, chosen: str) -> str:
    """<option>s without a template per option (even a template loop over 70 costs ms)."""
    return mark_safe("\n".join(  # noqa: S308 (every value and label is escaped here)
        f'<option value="{escape(key)}"{" selected" if str(key) == chosen else ""}>{escape(label)}</option>'
        for key, label in choices))


class ProposalFilterForm(forms.Form):
    q = forms.CharField(label=_("Cari"), required=False, max_length=200)
    wilayah = forms.TypedChoiceField(label=_("Wilayah"), required=False, coerce=int, empty_value=None)
    kategori = forms.ChoiceField(label=_("Kategori"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_FILTER_CHOICES)
    urut = forms.ChoiceField(label=_("Urutkan"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args, areas, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wilayah"].choices = [("", _("Semua wilayah"))] + [(pk, name) for pk, name, _level in areas]
        self.fields["kategori"].choices = [("", _("Semua kategori"))] + [(c.slug, c.label) for c in categories]

    def plain_fields(self) -> list[dict]:
        """The fields as proposals/_filters.html draws them, in crispy-bootstrap5's markup (label,
        id, classes, errors): Django's widgets render every <option> through its own template, and
        those 143 includes were 28 % of the list page's CPU (issue 16)."""
        fields = []
        for bound in self:
            value = bound.value()
            entry = {"name": bound.html_name, "id": bound.auto_id, "label": bound.label,
                     "errors": bound.errors if self.is_bound else []}
            if isinstance(bound.field, forms.ChoiceField):
                # As Select does: the option whose value is the submitted (or initial) one, "" for none.
                entry["options"] = _options_html(bound.field.choices, "" if value is None else str(value))
            else:
                entry["value"] = "" if value is None else value
                entry["maxlength"] = bound.field.max_length
            fields.append(entry)
        return fields

    def filters(self) -> dict:
        if not self.is_valid():
            # Bad values in a shared link are dropped, never a 500: keep only the fields that cleaned.
            data = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        else:
            data = self.cleaned_data
        return {"area_id": data.get("wilayah"), "category": data.get("kategori") or None,
                "status": data.get("status") or None, "q": data.get("q") or "", "sort": data.get("urut") or "terbaru"}
