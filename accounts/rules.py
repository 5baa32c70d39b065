import rules

from .predicates import (
    is_admin,
    is_moderator,
    is_plain_resident,
    is_self,
    moderates_kelurahan,
    moderates_residents_kelurahan,
)

rules.add_perm("accounts.view_profile", is_self | is_admin)
rules.add_perm("accounts.change_profile", is_self)
rules.add_perm("accounts.manage_users", is_admin)
# Residence verification: LPM officers for the kelurahan they moderate, city admins everywhere.
rules.add_perm("accounts.use_residence_desk", is_moderator | is_admin)
rules.add_perm("accounts.verify_residence", is_admin | (is_moderator & moderates_residents_kelurahan))
rules.add_perm("accounts.issue_invitations", is_admin | (is_moderator & moderates_kelurahan))
# A resident who forgot their password and has no email (phone-only account) gets a one-time
# link at the LPM desk of their own kelurahan, after showing their KTP; never for an account with
# staff powers, and not for a city admin either: the desk is where the KTP is seen (accounts/desk.py).
rules.add_perm("accounts.reset_password_at_desk",
               is_plain_resident & is_moderator & moderates_residents_kelurahan)
# A NIK someone else registered first goes to the holder of the KTP: only an LPM officer of the
# holder's kelurahan, who sees the KTP at the desk. Not a city admin, nor a superuser, who never sees it.
rules.add_perm("accounts.move_nik", is_moderator & moderates_residents_kelurahan)
# The census of the city's population register: the city admin role only.
rules.add_perm("accounts.import_census", is_admin)
