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
