"""Musrenbang hears of a published PB result without voting importing it.

Voting announces each publication (`voting.signals.result_published`); this receiver only
queues the idempotent task after the publication commits. The beat task applies anything a
lost message (broker down) left behind, so nothing depends on this path alone.
"""

from django.db import transaction


def result_published(sender, snapshot, **kwargs):
    from .tasks import apply_published_results

    # robust: a broker outage must not turn a saved publication into an error page.
    transaction.on_commit(apply_published_results.delay, robust=True)
