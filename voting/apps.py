from django.apps import AppConfig, apps

# What a ballot page shows (voting.ballot_cache): the area, its round and schedule, the categories
# and kelurahan names (every model of these apps), and the projects with their photos (not the
# supports, follows or comments, which change while voting runs and are not on the ballot).
BALLOT_SHOWS_APPS = ("wilayah", "rounds")
BALLOT_SHOWS_MODELS = ("proposals.proposal", "proposals.proposalphoto")


class VotingConfig(AppConfig):
    name = "voting"

    def ready(self):
        from accounts.signals import account_deleting, nik_moving

        account_deleting.connect(_unlink_ballots_of_deleted_account, dispatch_uid="voting.unlink_ballots")
        # A NIK moved to its holder at the LPM desk: the ballots cast under it stay counted, reachable by no one.
        nik_moving.connect(_unlink_ballots_of_deleted_account, dispatch_uid="voting.unlink_ballots_of_moved_nik")

        from balikpapan_pb.shared_pages import READ_AHEAD, follow_writes

        from .ballot_cache import VERSION_KEY, content_changed

        shown = [m for label in BALLOT_SHOWS_APPS for m in apps.get_app_config(label).get_models()]
        shown += [apps.get_model(label) for label in BALLOT_SHOWS_MODELS]
        for model in shown:
            follow_writes(model, content_changed, "voting.ballot-cache")
        # The ballot page, its POST and the receipt read the kept copy's version: asked with the session (balikpapan_pb.preload).
        for view_name in ("voting:ballot", "voting:done"):
            READ_AHEAD[view_name] = lambda user_id, **kwargs: [VERSION_KEY]


def _unlink_ballots_of_deleted_account(sender, user, **kwargs) -> None:
    from . import services

    if user.nik_hash:
        services.ballots_detach(nik_hash=user.nik_hash)
