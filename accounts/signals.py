"""Events that the accounts app announces to the apps above it (which it must not import)."""

from django.dispatch import Signal

# Sent by accounts.services.user_delete inside its transaction, before the row goes, with
# `user`: each app above accounts unlinks what it keeps about the person (voting re-keys the
# person's ballots). A receiver that fails rolls the deletion back.
account_deleting = Signal()

# Sent by accounts.disputes.nik_move inside its transaction, with `user`: the account that is
# about to lose its NIK to the person who holds the KTP. Voting re-keys that NIK's ballots.
nik_moving = Signal()
