from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MusrenbangConfig(AppConfig):
    """Musrenbang: forums, the journey of every usulan, carry-over and the SIPD-shaped export.
    It sits above proposals and voting; neither of them imports it."""

    name = "musrenbang"
    verbose_name = _("Musrenbang")

    def ready(self):
        from voting.signals import result_published

        from .receivers import result_published as on_result_published

        result_published.connect(on_result_published, dispatch_uid="musrenbang.result_published")
