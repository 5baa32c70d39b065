from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "voting"

    def ready(self):
        from accounts.signals import account_deleting, nik_moving

        account_deleting.connect(_unlink_ballots_of_deleted_account, dispatch_uid="voting.unlink_ballots")
        # A NIK moved to its holder at the LPM desk: the ballots cast under it stay counted, reachable by no one.
        nik_moving.connect(_unlink_ballots_of_deleted_account, dispatch_uid="voting.unlink_ballots_of_moved_nik")


def _unlink_ballots_of_deleted_account(sender, user, **kwargs) -> None:
    from . import services

    if user.nik_hash:
        services.ballots_detach(nik_hash=user.nik_hash)
