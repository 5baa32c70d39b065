"""Path converters that let a URL reach a view only when its parameters have the right shape.

A parameter that cannot be right (a NUL byte, 5,000 characters, a slash-less junk string
where a Kemendagri code belongs) then answers 404 at the resolver, before any view puts it
into a query: PostgreSQL refuses NUL in text and answers with an error, not an empty result.
Django's own `slug` and `str` converters take any length and (for `str`) any character."""

from django.urls.converters import SlugConverter, StringConverter


class RoundSlugConverter(SlugConverter):
    """A round's slug (Round.slug: a SlugField of at most 80 characters)."""

    regex = "[-a-zA-Z0-9_]{1,80}"


class AreaCodeConverter(StringConverter):
    """An area's code (Area.code, at most 64 characters): a Kemendagri code such as 64.71 or
    64.71.05.1006, or, for a round imported from pabulib, the instance's unit ("Kraków"), which
    may hold any letter. Never a slash or a control character."""

    regex = "[^/\\x00-\\x1f\\x7f]{1,64}"


class SignedTokenConverter(StringConverter):
    """A token made by django.core.signing (URL-safe base64, ':' separators, a leading '.'
    when compressed); an e-mail verification token carries the address, hence the length."""

    regex = "[-A-Za-z0-9_:.]{1,1024}"


# Registered by balikpapan_pb/urls.py before it includes the apps' URLconfs: <round:slug>,
# <area:area_code>, <signed:token>.
class AreaLevelConverter(StringConverter):
    """An area level (rounds.models.AreaLevel)."""

    regex = "kelurahan|kecamatan|kota"


CONVERTERS = {"round": RoundSlugConverter, "area": AreaCodeConverter, "signed": SignedTokenConverter,
              "level": AreaLevelConverter}
