from django.apps import AppConfig, apps
from django.contrib.admin.apps import SimpleAdminConfig

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


class AdminConfig(SimpleAdminConfig):
    """Django's admin, whose ModelAdmins (every app's admin.py, with their forms and widgets) are
    imported by the URLconf (balikpapan_pb/urls.py calls admin.autodiscover()) and by the admin's
    system checks, not at start-up: a command that serves no page (`manage.py tally --sync`,
    `migrate`) does not load them (issue 16). Django documents SimpleAdminConfig for this."""

    def ready(self):
        from django.contrib.admin.checks import check_admin_app, check_dependencies
        from django.core import checks

        def check_discovered_admin_app(**kwargs):
            self.module.autodiscover()  # the checks see every ModelAdmin, whichever check runs first
            return check_admin_app(**kwargs)

        checks.register(check_dependencies, checks.Tags.admin)
        checks.register(check_discovered_admin_app, checks.Tags.admin)
