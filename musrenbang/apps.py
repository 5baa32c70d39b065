from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MusrenbangConfig(AppConfig):
    """Musrenbang: forums, the journey of every usulan, carry-over and the SIPD-shaped export.
    It sits above proposals and voting; neither of them imports it."""

    name = "musrenbang"
    verbose_name = _("Musrenbang")

    def ready(self):
        from django.db.models.signals import post_save

        from accounts.models import AuditEntry

        from .receivers import audit_entry_saved

        post_save.connect(audit_entry_saved, sender=AuditEntry, dispatch_uid="musrenbang.result_published")
