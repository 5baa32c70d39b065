"""Events that the voting app announces to the apps above it (which it must not import)."""

from django.dispatch import Signal

# Sent by voting.services.snapshot_publish inside its transaction, once per snapshot, with
# `snapshot`: Musrenbang moves the usulan the result funds on to their next stage.
result_published = Signal()
