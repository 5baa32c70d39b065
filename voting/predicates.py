"""Object predicates of voting. The permission object is an Area or a Round."""

import rules

from accounts.predicates import is_admin, is_council, is_moderator  # noqa: F401
from rounds.phases import Feature


def _round_of(obj):
    return getattr(obj, "round", obj)


def _phase_allows(feature: Feature):
    @rules.predicate(name=f"phase_allows_{feature}")
    def predicate(user, obj) -> bool:
        return obj is not None and _round_of(obj).allows(feature)

    return predicate


phase_allows_vote = _phase_allows(Feature.VOTE)
phase_allows_paper = _phase_allows(Feature.PAPER)
phase_allows_tally = _phase_allows(Feature.TALLY)
phase_allows_publish = _phase_allows(Feature.PUBLISH)


@rules.predicate
def is_resident_of_area(user, area) -> bool:
    return bool(user and user.is_authenticated and area is not None and area.contains_kelurahan(user.kelurahan_id))


@rules.predicate
def is_moderator_of_area(user, area) -> bool:
    from .services import can_enter_paper

    return area is not None and can_enter_paper(user, area)
