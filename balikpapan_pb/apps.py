from django.apps import AppConfig, apps

# The apps whose rows the shared pages show (balikpapan_pb.shared_pages); a save or a delete of
# any of their models sets a new content version. Not the ballots of a vote in progress, nor
# tally bookkeeping; participations set the "turnout" version, which only the results pages
# follow, so a vote in progress does not render the home page and the list afresh.
_SHOWN_APPS = ("wilayah", "rounds", "proposals", "voting", "dashboard", "musrenbang")
_NOT_SHOWN = {"voting.participation", "voting.ballot", "voting.pendingballot", "voting.closingreminder",
              "voting.tallyrun"}


class SiteConfig(AppConfig):
    """The site's own wiring across the apps (no models)."""

    name = "balikpapan_pb"
    label = "site"

    def ready(self):
        from django.conf import settings
        from django.db.models.signals import post_delete

        from .shared_pages import account_deleted, content_changed, follow_writes, turnout_changed

        post_delete.connect(account_deleted, sender=settings.AUTH_USER_MODEL, dispatch_uid="shared-pages.account-deleted")
        follow_writes(apps.get_model("voting", "Participation"), turnout_changed, "shared-pages.turnout")
        for app_label in _SHOWN_APPS:
            for model in apps.get_app_config(app_label).get_models():
                if model._meta.label_lower not in _NOT_SHOWN:
                    follow_writes(model, content_changed, "shared-pages")
