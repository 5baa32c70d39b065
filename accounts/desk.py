"""Password recovery at the LPM desk, made so that an officer cannot use it to take an account over.

- Only for an account without email: one with an address uses "Lupa kata sandi" itself.
- The link is the desk's own: a random token of which only a SHA-256 is stored, living
  DESK_RESET_MINUTES and working once. A new link for the same resident voids the older ones.
- The resident is told in their inbox (and by email, should the account have one by then) that
  an officer of which kelurahan made the link and when the password was changed.
- For DESK_RESET_BALLOT_HIDDEN after the password was set through such a link, no page shows the
  account's ballot choices or receipt code, and an existing ballot cannot be changed (a new one
  can still be cast): whoever holds the new password (the officer looking over the shoulder,
  say) can neither read nor quietly overwrite the resident's vote, and the resident's inbox
  already says what happened.
"""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_record
from .models import DeskPasswordReset, User

DESK_RESET_MINUTES = 15
DESK_RESET_BALLOT_HIDDEN = dt.timedelta(hours=24)


class DeskResetRefused(Exception):
    """The desk cannot make a link for this account; the message says why, for the officer."""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _officer_kelurahan(officer: User, resident: User):
    return officer.moderated_kelurahan.filter(pk=resident.kelurahan_id).first()


@transaction.atomic
def desk_reset_issue(*, resident: User, officer: User) -> str:
    """A link (in clear, shown once as a QR code) for `resident` to choose a new password."""
    resident = User.objects.select_for_update().get(pk=resident.pk)
    if resident.email:
        raise DeskResetRefused(_("Akun ini memiliki email. Warga mengatur ulang kata sandinya sendiri melalui "
                                 "“Lupa kata sandi” di halaman masuk; meja LPM hanya membantu akun tanpa email."))
    now = timezone.now()
    DeskPasswordReset.objects.filter(user=resident, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    DeskPasswordReset.objects.create(
        user=resident, officer=officer, kelurahan=_officer_kelurahan(officer, resident), token_hash=_token_hash(token),
        expires_at=now + dt.timedelta(minutes=DESK_RESET_MINUTES),
    )
    audit_record(actor=officer, action="account.password_reset_at_desk", target=resident, detail={})
    return settings.SITE_URL + reverse("accounts:desk_reset_confirm", args=[token])


def desk_reset_open(*, token: str) -> DeskPasswordReset | None:
    """The unused, unexpired link of this token, or None."""
    return (DeskPasswordReset.objects.select_related("user", "kelurahan")
            .filter(token_hash=_token_hash(token), used_at__isnull=True, expires_at__gt=timezone.now()).first())


@transaction.atomic
def desk_reset_use(*, token: str, password: str) -> User | None:
    """Sets the new password if the link still works (once: the row is locked and marked used), and
    tells the resident. None when the link is used, expired or unknown."""
    from notifications.kinds import Kind
    from notifications.services import notify

    ticket = (DeskPasswordReset.objects.select_for_update(of=("self",)).select_related("user", "kelurahan")
              .filter(token_hash=_token_hash(token), used_at__isnull=True, expires_at__gt=timezone.now()).first())
    if ticket is None:
        return None
    now = timezone.now()
    ticket.used_at = now
    ticket.save(update_fields=["used_at"])
    user = ticket.user
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=None, action="account.password_set_at_desk", target=user,
                 detail={"kelurahan": ticket.kelurahan_id})
    notify(recipient=user, kind=Kind.ACCOUNT_SECURITY, url=reverse("accounts:profile"), context={
        "when": now.isoformat(), "kelurahan": ticket.kelurahan.name if ticket.kelurahan else "-",
    })
    return user


def ballot_hidden_until(user) -> dt.datetime | None:
    """Until when this account's ballot choices stay hidden after a desk reset; None if they are not."""
    if not getattr(user, "is_authenticated", False):
        return None
    since = timezone.now() - DESK_RESET_BALLOT_HIDDEN
    used = (DeskPasswordReset.objects.filter(user=user, used_at__gt=since).order_by("-used_at")
            .values_list("used_at", flat=True).first())
    return used + DESK_RESET_BALLOT_HIDDEN if used else None
