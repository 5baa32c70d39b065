"""Every permission of Musrenbang, declared once. Each includes the city admin, so that a
superuser (to whom Django grants every permission) has exactly an admin's powers."""

import rules

from accounts.predicates import is_admin, is_moderator

from .models import Stage
from .predicates import is_forum_officer, is_kecamatan_officer, is_lpm_of_kelurahan, is_opd, is_proposer

# object: a Proposal. Who records the recommendation at each stage.
STAGE_RESPONSIBLE = {
    Stage.RT_RW: is_lpm_of_kelurahan | is_admin,
    Stage.KELURAHAN: is_lpm_of_kelurahan | is_admin,
    Stage.KECAMATAN: is_kecamatan_officer | is_admin,
    Stage.KOTA: is_admin,
    Stage.RENJA: is_opd | is_admin,
    Stage.RKPD: is_admin,
    Stage.BUDGETED: is_admin,
    Stage.BUILDING: is_opd | is_admin,
    Stage.DONE: is_opd | is_admin,
}


def step_perm(stage: str) -> str:
    return f"musrenbang.record_step_{stage}"


for _stage, _predicate in STAGE_RESPONSIBLE.items():
    rules.add_perm(step_perm(_stage), _predicate)

# object: a Proposal. The proposer or the LPM opts in; the service checks it is feasible and unfunded.
rules.add_perm("musrenbang.carry_over", is_proposer | is_lpm_of_kelurahan | is_admin)

# object: a Forum (unsaved when it is being created).
rules.add_perm("musrenbang.record_forum", is_forum_officer | is_admin)

# no object
rules.add_perm("musrenbang.export_sipd", is_admin)
rules.add_perm("musrenbang.view_forum_desk", is_moderator | is_admin)
