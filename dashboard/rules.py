"""Every permission of the dashboard app, declared once.

Results, open data, receipt checks and progress timelines are public (published data only,
enforced by the selectors); the council dashboard and its exports are for the council and
admins; progress is posted by the verifikator of the project's category (or an admin)
while the round is in its implementation phase.
"""

import rules

from .predicates import is_council_member, may_post_progress

rules.add_perm("dashboard.view_council_dashboard", is_council_member)
rules.add_perm("dashboard.post_progress", may_post_progress)
