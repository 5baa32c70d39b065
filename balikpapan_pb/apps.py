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
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .shared_pages import content_changed, turnout_changed

        participation = apps.get_model("voting", "Participation")
        for signal in (post_save, post_delete):
            signal.connect(turnout_changed, sender=participation, dispatch_uid=f"shared-pages.{signal}.turnout")
        for app_label in _SHOWN_APPS:
            for model in apps.get_app_config(app_label).get_models():
                if model._meta.label_lower in _NOT_SHOWN:
                    continue
                for signal in (post_save, post_delete):
                    signal.connect(content_changed, sender=model, dispatch_uid=f"shared-pages.{signal}.{model._meta.label_lower}")
                for field in model._meta.local_many_to_many:
                    m2m_changed.connect(content_changed, sender=field.remote_field.through,
                                        dispatch_uid=f"shared-pages.m2m.{field.remote_field.through._meta.label_lower}")
