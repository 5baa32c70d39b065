import datetime as dt
import secrets
import uuid

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from balikpapan_pb import shared_pages
from wilayah.models import Kelurahan

from .audit import audit_entries_since, audit_record
from .identity import keyed_hash, nik_stored_fields
from .models import ResidenceInvitation, User
from .nik import NikInfo
from .signals import account_deleting

VERIFY_SALT = "accounts.verify-email"
VERIFY_MAX_AGE = 60 * 60 * 24 * 3


class Duplicate(Exception):
    """Another account already holds this `field` (a double tap, two tabs, or a real duplicate)."""

    field = ""


class DuplicateNik(Duplicate):
    field = "nik"


class DuplicateEmail(Duplicate):
    field = "email"


class DuplicatePhone(Duplicate):
    field = "phone"


def verification_token_make(user: User) -> str:
    return signing.dumps({"u": user.pk, "e": user.email}, salt=VERIFY_SALT)


def verification_link(user: User) -> str:
    return settings.SITE_URL + reverse("accounts:verify_email", args=[verification_token_make(user)])


def _queue_verification_email(user: User) -> None:
    from .tasks import send_verification_email

    # robust: a broker outage must not turn a saved registration into an error page;
    # the person can ask for the message again from their profile.
    transaction.on_commit(lambda: send_verification_email.delay(user.pk), robust=True)


@transaction.atomic
def user_register(
    *, full_name: str, email: str | None, phone: str, nik: NikInfo, kelurahan: Kelurahan, password: str,
    language: str = "id",
) -> User:
    """A new resident, with an email and/or a mobile number (already normalised by the form)."""
    email = (email or "").strip().lower() or None
    stored = nik_stored_fields(nik, today=timezone.localdate())
    if User.objects.filter(nik_hash=stored["nik_hash"]).exists():
        raise DuplicateNik
    if email and User.objects.filter(email__iexact=email).exists():
        raise DuplicateEmail
    if phone and User.objects.filter(phone=phone).exists():
        raise DuplicatePhone
    return account_create(email=email, full_name=full_name, phone=phone, kelurahan=kelurahan, password=password,
                          language=language, **stored)


def account_create(*, email: str | None, full_name: str, phone: str, kelurahan: Kelurahan, password: str,
                   language: str, **stored) -> User:
    """Saves a new account (with the NIK's stored fields, or without a NIK) whose email and phone
    the caller found free, and queues the verification e-mail."""
    user = User(
        email=email, full_name=full_name.strip(), phone=phone, **stored, kelurahan=kelurahan,
        consent_version=settings.PRIVACY_POLICY_VERSION, consent_at=timezone.now(), language=language,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    try:
        # A double-tapped submit races past the callers' checks; the unique index decides.
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise _duplicate(exc) from exc
    if email:
        _queue_verification_email(user)
    return user


def _duplicate(error: IntegrityError) -> Exception:
    text = str(error)
    if "phone" in text:
        return DuplicatePhone()
    return DuplicateEmail() if "email" in text else DuplicateNik()


def user_verify_email(*, token: str) -> User | None:
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE)
    except signing.BadSignature:
        return None
    user = User.objects.filter(pk=data.get("u"), email=data.get("e")).first()
    if user and not user.email_verified_at:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


def verification_resend(*, user: User) -> None:
    if user.email and not user.email_verified_at:
        _queue_verification_email(user)


@transaction.atomic
def user_update_profile(*, user: User, full_name: str, email: str | None, phone: str, language: str) -> User:
    email = (email or "").strip().lower() or None
    email_changed = email != user.email
    renamed = full_name.strip() != user.full_name
    user.full_name, user.phone, user.language = full_name.strip(), phone, language
    if email_changed:
        user.email = email
        user.email_verified_at = None
    user.full_clean(exclude=["password"])
    try:
        with transaction.atomic():  # two tabs saving the same new number: the unique index decides
            user.save()
    except IntegrityError as exc:
        raise _duplicate(exc) from exc
    if renamed:
        shared_pages.account_renamed()
    if email_changed and email:
        _queue_verification_email(user)
    return user


# Fields that identify a person only to the server and are never handed out, not even to the person.
_NEVER_EXPORTED = {"password", "nik_hash", "voter_key", "token_hash"}


def _plain(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def user_data_export(*, user: User) -> dict:
    """Everything the portal holds about a person (UU PDP right of access), as JSON-able data.

    Related records of every app are found through the User model's reverse relations, so an
    app added later is included without this function knowing it.
    """
    profile = {
        field.name: _plain(getattr(user, field.attname))
        for field in User._meta.concrete_fields
        if field.name not in _NEVER_EXPORTED
    }
    related: dict[str, list[dict]] = {}
    for relation in User._meta.related_objects:
        if relation.related_model._meta.app_label in {"admin", "auth", "contenttypes", "sessions"}:
            continue
        accessor = relation.get_accessor_name()
        if relation.one_to_one:
            continue
        manager = getattr(user, accessor, None)
        if manager is None:
            continue
        rows = [
            {k: _plain(v) for k, v in row.items() if k not in _NEVER_EXPORTED}
            for row in manager.all().values()
        ]
        if rows:
            related[f"{relation.related_model._meta.app_label}.{relation.related_model._meta.model_name}"] = rows
    return {"profile": profile, "records": related}


def adult_dates_forget(*, today: dt.date | None = None) -> int:
    """A minor's date of turning 17 is kept only until it passes; then the birth year is enough."""
    return User.objects.filter(adult_on__lte=today or timezone.localdate()).update(adult_on=None)


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Deletes the account. Proposals and comments stay without a name; ballots stay counted,
    never linked to anyone: each app decides with on_delete what stays, and with a receiver of
    `account_deleting` what it must unlink first (voting re-keys the ballots at random)."""
    audit_record(actor=None, action="account_deleted", target=user, detail={})
    account_deleting.send(sender=User, user=user)
    user.delete()


# --- residence verification -------------------------------------------------------------------
# Where a round requires it, only residents whose residence was verified may vote: by an LPM
# officer who sees their KTP, or by a one-time code handed out on paper through the RT.

INVITATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper without doubt
INVITATION_LENGTH = 8
INVITATIONS_AT_ONCE = 200


class ResidenceError(Exception):
    """A code that cannot verify this resident; the message says why, in the user's language."""


def invitation_code_normalise(code: str) -> str:
    """`abcd-efgh`, `ABCD EFGH` -> `ABCDEFGH`."""
    return "".join(ch for ch in str(code).upper() if ch not in " -\u00a0\t")


def invitation_code_hash(code: str) -> str:
    return keyed_hash("residence-invitation:" + invitation_code_normalise(code))


def invitation_code_format(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


@transaction.atomic
def residence_verify(*, user: User, actor: User, method: str) -> User:
    """Marks the residence as verified (once) and writes who did it and how to the audit log.
    Returns the person as now stored."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.residence_verified_at is None:
        locked.residence_verified_at = timezone.now()
        locked.save(update_fields=["residence_verified_at"])
        audit_record(actor=actor, action="residence.verify", target=locked,
                     detail={"method": method, "kelurahan": locked.kelurahan_id})
    return locked


def password_reset_link_at_desk(*, resident: User, actor: User) -> str:
    """A one-time link to choose a new password, for a resident the officer has identified by KTP.

    Django's reset token: it stops working once the password is changed or after
    PASSWORD_RESET_TIMEOUT. The link itself is never stored or logged; the audit log says who made
    one for whom."""
    audit_record(actor=actor, action="account.password_reset_at_desk", target=resident, detail={})
    uid = urlsafe_base64_encode(force_bytes(resident.pk))
    token = default_token_generator.make_token(resident)
    return settings.SITE_URL + reverse("accounts:password_reset_confirm", args=[uid, token])


@transaction.atomic
def invitation_codes_create(*, kelurahan: Kelurahan, count: int, actor: User) -> list[str]:
    """`count` new codes for one kelurahan, returned in clear exactly once (to be printed)."""
    if not 1 <= count <= INVITATIONS_AT_ONCE:
        raise ValueError(f"count must be 1..{INVITATIONS_AT_ONCE}")
    batch = uuid.uuid4()
    codes = list(dict.fromkeys(
        "".join(secrets.choice(INVITATION_ALPHABET) for _position in range(INVITATION_LENGTH)) for _code in range(count)
    ))
    ResidenceInvitation.objects.bulk_create(
        ResidenceInvitation(kelurahan=kelurahan, code_hash=invitation_code_hash(code), batch=batch, created_by=actor)
        for code in codes
    )
    audit_record(actor=actor, action="residence.invitations_create", target=kelurahan,
                 detail={"count": len(codes), "batch": str(batch)})
    return codes


INVITATION_TRIES_PER_DAY = 10


def invitation_redeem(*, user: User, code: str) -> User:
    """Verifies the residence of `user` with a code of their kelurahan; each code works once.

    Every refused code is written to the audit log, and after INVITATION_TRIES_PER_DAY refusals
    in a day the person is asked to come back tomorrow or to see the LPM: codes cannot be guessed
    by trying."""
    since = timezone.now() - dt.timedelta(days=1)
    if audit_entries_since(action="residence.code_refused", actor=user, since=since).count() >= INVITATION_TRIES_PER_DAY:
        raise ResidenceError(_("Terlalu banyak kode yang salah hari ini. Coba lagi besok, atau datang ke LPM "
                               "kelurahan Anda dengan KTP."))
    try:
        return _invitation_redeem(user=user, code=code)
    except ResidenceError:
        audit_record(actor=user, action="residence.code_refused", target=user, detail={})  # never the code
        raise


@transaction.atomic
def _invitation_redeem(*, user: User, code: str) -> User:
    # The person's row first: a double tap with two codes must not spend both.
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.residence_verified_at is not None:
        return locked
    normalised = invitation_code_normalise(code)
    if len(normalised) != INVITATION_LENGTH or any(ch not in INVITATION_ALPHABET for ch in normalised):
        raise ResidenceError(_("Kode undangan terdiri dari 8 huruf dan angka, misalnya ABCD-2345. Periksa kembali kertasnya."))
    invitation = (ResidenceInvitation.objects.select_for_update().select_related("kelurahan")
                  .filter(code_hash=invitation_code_hash(normalised)).first())
    if invitation is None:
        raise ResidenceError(_("Kode undangan ini tidak dikenal. Periksa kembali huruf dan angkanya."))
    if invitation.used_at is not None:
        raise ResidenceError(_("Kode undangan ini sudah dipakai. Minta kode baru kepada Ketua RT atau LPM."))
    if invitation.kelurahan_id != user.kelurahan_id:
        raise ResidenceError(
            _("Kode undangan ini untuk Kelurahan %(code_kelurahan)s, sedangkan domisili Anda Kelurahan %(own)s.")
            % {"code_kelurahan": invitation.kelurahan.name, "own": user.kelurahan.name if user.kelurahan else "—"}
        )
    invitation.used_by, invitation.used_at = user, timezone.now()
    invitation.save(update_fields=["used_by", "used_at"])
    return residence_verify(user=user, actor=user, method="invitation")
