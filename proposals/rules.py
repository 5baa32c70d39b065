"""Every permission of the proposals app, declared once. Phase gates come from rounds.phases."""

import rules

from accounts.predicates import is_admin, is_moderator, is_resident, is_verifikator
from rounds.phases import Feature
from rounds.predicates import phase_allows

from .predicates import (
    in_moderation,
    in_valuation,
    is_draft,
    is_interactive,
    is_lpm,
    is_moderator_of_area,
    is_on_ballot,
    is_opd,
    is_proposer,
    is_public,
    lives_in_area,
    may_moderate,
    needs_changes,
)

# object: a Round
rules.add_perm("proposals.add_proposal", is_resident & phase_allows(Feature.SUBMIT))

# object: a Proposal
# A draft is its author's alone until submitted: not the LPM's, the verifikator's or an admin's.
rules.add_perm("proposals.view_proposal", is_proposer | (~is_draft & (is_public | may_moderate | is_opd | is_admin)))
rules.add_perm(
    "proposals.change_proposal",
    is_proposer & ((is_draft & phase_allows(Feature.SUBMIT)) | (needs_changes & phase_allows(Feature.MODERATE))),
)
rules.add_perm("proposals.support_proposal", is_resident & lives_in_area & is_interactive & phase_allows(Feature.SUPPORT))
rules.add_perm("proposals.comment_proposal", rules.is_authenticated & is_interactive & phase_allows(Feature.COMMENT))
rules.add_perm("proposals.flag_proposal", rules.is_authenticated & is_public & phase_allows(Feature.FLAG))
rules.add_perm("proposals.follow_proposal", rules.is_authenticated & is_public & phase_allows(Feature.FOLLOW))
rules.add_perm("proposals.moderate_proposal", may_moderate & in_moderation & phase_allows(Feature.MODERATE))
# Abusive content can be hidden and restored whenever residents can flag it, in every phase.
rules.add_perm("proposals.hide_content", (is_lpm | is_admin) & phase_allows(Feature.FLAG))
# The one way a project leaves a ballot once voting has opened: an admin, during voting, with a public reason.
rules.add_perm("proposals.withdraw_from_ballot", is_admin & is_on_ballot & phase_allows(Feature.VOTE))
rules.add_perm("proposals.valuate_proposal", (is_opd | is_admin) & in_valuation & phase_allows(Feature.VALUATE))

# no object: the queues
rules.add_perm("proposals.view_moderation_queue", is_moderator | is_admin)
rules.add_perm("proposals.view_valuation_queue", is_verifikator | is_admin)

__all__ = ["is_moderator_of_area"]
