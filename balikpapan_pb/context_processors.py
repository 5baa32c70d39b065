from django.conf import settings
from django.urls import translate_url
from django.utils import translation

# The other language's name, written in that language.
_SWITCH_NAMES = {"id": "Bahasa Indonesia", "en": "English"}


def site(request):
    return {"PRIVACY_POLICY_VERSION": settings.PRIVACY_POLICY_VERSION}


def language_switch(request):
    """The current page in the other language (Bahasa Indonesia at /, English at /en/)."""
    other = "en" if translation.get_language() == "id" else "id"
    return {"language_switch": {"code": other, "name": _SWITCH_NAMES[other],
                                "url": translate_url(request.get_full_path(), other)}}
