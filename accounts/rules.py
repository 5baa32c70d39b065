import rules

from .predicates import is_admin, is_self

rules.add_perm("accounts.view_profile", is_self | is_admin)
rules.add_perm("accounts.change_profile", is_self)
rules.add_perm("accounts.manage_users", is_admin)
