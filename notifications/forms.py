from django import forms

from .kinds import ALWAYS_SENT, Channel, Kind

CHOOSABLE = [kind for kind in Kind if kind not in ALWAYS_SENT]


def field_name(kind: str, channel: str) -> str:
    return f"{kind}__{channel}"


class PreferencesForm(forms.Form):
    """One checkbox per kind and channel; ticked means "send me this"."""

    def __init__(self, *args, preferences: dict[tuple[str, str], bool], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in CHOOSABLE:
            for channel in Channel:
                self.fields[field_name(kind, channel)] = forms.BooleanField(
                    label=f"{kind.label}: {channel.label}", required=False,
                    initial=preferences.get((kind.value, channel.value), True),
                )

    def rows(self):
        """(kind label, [bound field per channel]) for the table in the template."""
        return [(kind.label, [self[field_name(kind, channel)] for channel in Channel]) for kind in CHOOSABLE]

    def enabled(self) -> set[tuple[str, str]]:
        return {
            (kind.value, channel.value)
            for kind in CHOOSABLE for channel in Channel
            if self.cleaned_data.get(field_name(kind, channel))
        }
