import rules

from accounts.predicates import is_admin

from .predicates import round_is_public

rules.add_perm("rounds.view_round", round_is_public | is_admin)
rules.add_perm("rounds.advance_phase", is_admin)
