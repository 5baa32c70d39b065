from django.conf import settings
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme

# The other language's name, written in that language.
_SWITCH_NAMES = {"id": "Bahasa Indonesia", "en": "English"}


def site(request):
    return {"PRIVACY_POLICY_VERSION": settings.PRIVACY_POLICY_VERSION}


def language_switch(request):
    """The current page in the other language (Bahasa Indonesia at /, English at /en/).

    translate_url gives back what it cannot resolve as it was: on a 404 for `//evil.test/x`
    that would be a link off the site. A path that is not one of ours switches to the home
    page in the other language instead."""
    other = "en" if translation.get_language() == "id" else "id"
    path = request.get_full_path()
    url = translate_url(path, other)
    if url == path or not url.startswith("/") or not url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        with translation.override(other):
            url = reverse("home")
    return {"language_switch": {"code": other, "name": _SWITCH_NAMES[other], "url": url}}


def work(request):
    """The links of an officer's work (balikpapan_pb.worklist), for the menu and the home page;
    computed only when a page shows them, and never for visitors."""
    from django.utils.functional import SimpleLazyObject

    from .worklist import work_links

    user = getattr(request, "user", None)
    links = SimpleLazyObject(lambda: work_links(user))
    return {"work_links": links, "work_menu_links": SimpleLazyObject(lambda: [link for link in links if link.in_menu])}
