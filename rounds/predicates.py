"""Round-level predicates: what the active phase allows. Never a date."""

import rules

from .phases import Feature


def phase_allows(feature: Feature):
    """A predicate over (user, obj) where obj is a Round or anything with a `.round`."""

    @rules.predicate(name=f"phase_allows_{feature.value}")
    def predicate(user, obj) -> bool:
        if obj is None:
            return False
        round_ = getattr(obj, "round", obj)
        return bool(round_.allows(feature))

    return predicate


@rules.predicate
def round_is_public(user, round_) -> bool:
    return round_ is not None and round_.phase != "draft"
