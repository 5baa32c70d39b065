"""Musrenbang hears of a published PB result without voting importing it.

Voting writes every publication to the audit log (`snapshot_publish`); this receiver only
queues the idempotent task after the publication commits. The beat task applies anything a
lost message (broker down) left behind, so nothing depends on this path alone.
"""

from django.db import transaction

PUBLISH_ACTION = "snapshot_publish"


def audit_entry_saved(sender, instance, created, **kwargs):
    if not created or instance.action != PUBLISH_ACTION:
        return
    from .tasks import apply_published_results

    # robust: a broker outage must not turn a saved publication into an error page.
    transaction.on_commit(apply_published_results.delay, robust=True)
