from django import forms
from django.utils.translation import gettext_lazy as _

from proposals.forms import RupiahField

from .models import Recommendation


class JourneyStepForm(forms.Form):
    recommendation = forms.ChoiceField(label=_("Rekomendasi"), choices=Recommendation.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Alasan"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Ditampilkan kepada publik pada jejak usulan."))
    recommended_amount = RupiahField(label=_("Pagu yang direkomendasikan (Rp)"), required=False,
                                     help_text=_("Boleh dikosongkan."))


class CarryOverForm(forms.Form):
    to_round = forms.ModelChoiceField(label=_("Lanjutkan ke putaran"), queryset=None, empty_label=None)
    reason = forms.CharField(label=_("Catatan (boleh dikosongkan)"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, rounds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_round"].queryset = rounds


DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M"]


class ForumForm(forms.Form):
    held_at = forms.DateTimeField(
        label=_("Tanggal dan jam (WITA)"), input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": _("Tulis tanggal dan jam, misalnya 2027-01-15 09:00.")})
    place = forms.CharField(label=_("Tempat"), max_length=255)
    officers = forms.CharField(label=_("Pimpinan sidang dan notulis"), max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("Satu per baris, misalnya “Pimpinan sidang: Ketua LPM”."))
    attendance_men = forms.IntegerField(label=_("Peserta laki-laki"), min_value=0, max_value=100_000)
    attendance_women = forms.IntegerField(label=_("Peserta perempuan"), min_value=0, max_value=100_000)
    delegates = forms.CharField(label=_("Delegasi ke musrenbang berikutnya"), max_length=2000, required=False,
                                widget=forms.Textarea(attrs={"rows": 3}),
                                help_text=_("Satu per baris: nama dan unsur, misalnya “Siti Aminah (PKK)”."))
    notes = forms.CharField(label=_("Catatan"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, candidates, ranks: dict[int, int] | None = None, **kwargs):
        """`candidates`: the usulan the forum can prioritise; each gets a rank field (empty: not a priority)."""
        super().__init__(*args, **kwargs)
        self.candidates = list(candidates)
        for proposal in self.candidates:
            self.fields[f"prioritas_{proposal.pk}"] = forms.IntegerField(
                label=proposal.title, required=False, min_value=1, max_value=999,
                initial=(ranks or {}).get(proposal.pk),
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "form-control form-control-sm"}))

    def rank_fields(self):
        return [(proposal, self[f"prioritas_{proposal.pk}"]) for proposal in self.candidates]

    def clean(self):
        data = super().clean()
        chosen = [(data[f"prioritas_{p.pk}"], p) for p in self.candidates if data.get(f"prioritas_{p.pk}")]
        ranks = [rank for rank, _proposal in chosen]
        if len(ranks) != len(set(ranks)):
            raise forms.ValidationError(_("Setiap peringkat prioritas hanya boleh dipakai sekali."))
        data["priorities"] = [proposal for _rank, proposal in sorted(chosen, key=lambda pair: pair[0])]
        return data

    def forum_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in ["held_at", "place", "officers", "attendance_men",
                                                           "attendance_women", "delegates", "notes"]}
