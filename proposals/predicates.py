"""Who may do what to a proposal. Each permission combines who the user is with what the
round's active phase allows (rounds.predicates.phase_allows), never a date."""

import rules

from accounts.predicates import is_admin, is_moderator, is_resident, is_verifikator
from rounds.models import AreaLevel
from rounds.phases import Feature
from rounds.predicates import phase_allows

from .models import BALLOT_STATUSES, Status

EDITABLE_STATUSES = {Status.DRAFT, Status.NEEDS_CHANGES}
# A proposal anyone can see. In a pre-moderated round, submitted proposals wait for LPM first.
_VISIBLE_ALWAYS = {Status.APPROVED, Status.REJECTED, Status.MERGED, Status.FEASIBLE, Status.INFEASIBLE,
                   Status.SELECTED, Status.NOT_SELECTED, Status.IN_PROGRESS, Status.COMPLETED, Status.WITHDRAWN}
MODERATION_STATUSES = {Status.SUBMITTED, Status.NEEDS_CHANGES, Status.APPROVED, Status.HIDDEN}
VALUATION_STATUSES = {Status.APPROVED, Status.FEASIBLE, Status.INFEASIBLE}
INTERACTIVE_STATUSES = {Status.SUBMITTED, Status.APPROVED, Status.FEASIBLE, Status.INFEASIBLE,
                        Status.SELECTED, Status.NOT_SELECTED, Status.IN_PROGRESS, Status.COMPLETED}


def is_publicly_visible(proposal) -> bool:
    if proposal.status in _VISIBLE_ALWAYS:
        return True
    return proposal.status == Status.SUBMITTED and not proposal.round.premoderation


@rules.predicate
def is_public(user, proposal) -> bool:
    return proposal is not None and is_publicly_visible(proposal)


@rules.predicate
def is_proposer(user, proposal) -> bool:
    return bool(proposal is not None and user.is_authenticated and proposal.proposer_id == user.pk)


@rules.predicate
def is_editable(user, proposal) -> bool:
    return proposal is not None and proposal.status in EDITABLE_STATUSES


@rules.predicate
def is_draft(user, proposal) -> bool:
    return proposal is not None and proposal.status == Status.DRAFT


@rules.predicate
def needs_changes(user, proposal) -> bool:
    return proposal is not None and proposal.status == Status.NEEDS_CHANGES


@rules.predicate
def is_interactive(user, proposal) -> bool:
    """Open to supports and comments: visible and neither merged, rejected nor hidden."""
    return proposal is not None and proposal.status in INTERACTIVE_STATUSES and is_publicly_visible(proposal)


@rules.predicate
def lives_in_area(user, proposal) -> bool:
    return bool(proposal is not None and user.is_authenticated and proposal.area.contains_kelurahan(user.kelurahan_id))


def _moderates(user, area) -> bool:
    if area.level == AreaLevel.KELURAHAN:
        return user.moderated_kelurahan.filter(pk=area.kelurahan_id).exists()
    if area.level == AreaLevel.KECAMATAN:
        return user.moderated_kecamatan.filter(pk=area.kecamatan_id).exists()
    return False  # city-wide proposals are moderated by city admins


@rules.predicate
def is_moderator_of_area(user, proposal) -> bool:
    """LPM officer of the proposal's kelurahan (or of its kecamatan, for kecamatan-level proposals)."""
    if proposal is None or not user.is_authenticated:
        return False
    return _moderates(user, proposal.area)


@rules.predicate
def is_verifikator_of_category(user, proposal) -> bool:
    if proposal is None or not user.is_authenticated:
        return False
    return proposal.category.verifikators.filter(pk=user.pk).exists()


@rules.predicate
def in_moderation(user, proposal) -> bool:
    return proposal is not None and proposal.status in MODERATION_STATUSES


@rules.predicate
def in_valuation(user, proposal) -> bool:
    return proposal is not None and proposal.status in VALUATION_STATUSES


@rules.predicate
def is_on_ballot(user, proposal) -> bool:
    return proposal is not None and proposal.status in BALLOT_STATUSES


is_lpm = is_moderator & is_moderator_of_area
is_opd = is_verifikator & is_verifikator_of_category
may_moderate = is_lpm | is_admin

can_submit_in_round = is_resident & phase_allows(Feature.SUBMIT)
