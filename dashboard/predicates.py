"""Who may see the council dashboard and post implementation progress."""

import rules

from accounts.predicates import is_admin, is_council, is_verifikator
from proposals.predicates import is_verifikator_of_category
from rounds.phases import Feature
from rounds.predicates import phase_allows


@rules.predicate
def is_funded_project(user, proposal) -> bool:
    from .selectors import is_funded

    return proposal is not None and is_funded(proposal)


is_council_member = is_council | is_admin
is_implementing_staff = (is_verifikator & is_verifikator_of_category) | is_admin
may_post_progress = is_implementing_staff & phase_allows(Feature.PROGRESS) & is_funded_project
