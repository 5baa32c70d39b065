"""The demo accounts' password is printed in the README: no real account may use it."""

import hmac

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .demo import DEMO_PASSWORD


def is_demo_password(password: str | None) -> bool:
    return password is not None and hmac.compare_digest(password.encode(), DEMO_PASSWORD.encode())


def demo_password_refused(password: str | None) -> bool:
    """True where the settings refuse signing in with the demo password (production)."""
    return settings.DEMO_PASSWORD_REFUSED and is_demo_password(password)


class DemoPasswordValidator:
    """Nobody chooses the published demo password as their own (in any environment)."""

    def validate(self, password, user=None):
        if is_demo_password(password):
            raise ValidationError(_("Kata sandi ini adalah kata sandi demo yang diketahui umum. Pilih kata sandi lain."),
                                  code="demo_password")

    def get_help_text(self):
        return _("Kata sandi Anda tidak boleh sama dengan kata sandi akun demo.")
