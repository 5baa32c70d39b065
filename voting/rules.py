import rules

from accounts.predicates import is_admin, is_council

from .predicates import (
    is_moderator_of_area,
    is_resident_of_area,
    phase_allows_paper,
    phase_allows_publish,
    phase_allows_tally,
    phase_allows_vote,
)

# Residents see the ballot page of their areas; voter_eligibility gives the reasons for the rest.
rules.add_perm("voting.vote", is_resident_of_area & phase_allows_vote)
rules.add_perm("voting.enter_paper_ballot", is_moderator_of_area & phase_allows_paper)
rules.add_perm("voting.view_tally", is_admin | is_council)
rules.add_perm("voting.run_tally", is_admin & phase_allows_tally)
rules.add_perm("voting.publish_result", is_admin & phase_allows_publish)
