from django import template

from musrenbang.rules import step_perm
from musrenbang.selectors import journey_timeline
from musrenbang.services import CARRY_DEFERRED_STATUSES, CARRY_STATUSES

register = template.Library()


@register.inclusion_tag("musrenbang/_timeline.html", takes_context=True)
def jejak_usulan(context, proposal):
    """The public journey of an usulan, for the proposal page (which knows nothing else of Musrenbang)."""
    timeline = journey_timeline(proposal=proposal)
    user = context.get("user")
    stage = timeline["position"].stage
    can_record = bool(user is not None and user.is_authenticated and stage and user.has_perm(step_perm(stage), proposal))
    position = timeline["position"]
    eligible = proposal.status in CARRY_STATUSES or (position.deferred and proposal.status in CARRY_DEFERRED_STATUSES)
    can_carry = bool(eligible and user is not None and user.is_authenticated
                     and user.has_perm("musrenbang.carry_over", proposal))
    return {"proposal": proposal, "can_record": can_record, "can_carry": can_carry, **timeline}
