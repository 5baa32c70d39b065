from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Akun")

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .caching import user_forget
        from .models import User

        post_save.connect(user_forget, sender=User, dispatch_uid="accounts.user_forget.save")
        post_delete.connect(user_forget, sender=User, dispatch_uid="accounts.user_forget.delete")
        for through in (User.moderated_kelurahan.through, User.moderated_kecamatan.through):
            m2m_changed.connect(_user_forget_m2m, sender=through, dispatch_uid=f"accounts.user_forget.{through.__name__}")


def _user_forget_m2m(sender, instance, action, reverse, pk_set, **kwargs):
    """A moderator's kelurahan or kecamatan changed, from either side of the relation."""
    from .caching import user_forget_many

    if not reverse:
        if action.startswith("post_"):
            user_forget_many([instance.pk])
    elif action == "pre_clear":  # kelurahan.moderators.clear(): who they were is known only before
        other = next(f.name for f in sender._meta.fields if f.name not in ("id", "user"))
        user_forget_many(sender.objects.filter(**{other: instance.pk}).values_list("user_id", flat=True))
    elif action.startswith("post_") and pk_set:
        user_forget_many(pk_set)
