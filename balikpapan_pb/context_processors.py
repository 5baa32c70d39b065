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


# Roles whose links follow from the role alone (balikpapan_pb.worklist asks only role
# predicates for them): their links are computed once per role and language and shared. An
# LPM officer's, a verifikator's and an admin's links also list the day's work (paper ballot
# areas, rounds), read afresh on each page.
_LINKS_BY_ROLE_ALONE = {"citizen", "council"}


def work(request):
    """The links of an officer's work (balikpapan_pb.worklist), for the menu and the home page;
    computed only when a page shows them, and never for visitors."""
    from django.core.cache import caches
    from django.utils.functional import SimpleLazyObject

    from .worklist import work_links

    user = getattr(request, "user", None)

    def links():
        if not (user and user.is_authenticated):
            return []
        if user.role not in _LINKS_BY_ROLE_ALONE or user.is_superuser or not user.is_active:
            return work_links(user)
        # The process's own memory: the same for every person of the role, so never stale.
        key = f"work_links:{user.role}:{translation.get_language()}"
        found = caches["pages"].get(key)
        if found is None:
            found = work_links(user)
            caches["pages"].set(key, found, None)
        return found

    all_links = SimpleLazyObject(links)
    return {"work_links": all_links,
            "work_menu_links": SimpleLazyObject(lambda: [link for link in all_links if link.in_menu])}
