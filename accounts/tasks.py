from celery import shared_task
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

import balikpapan_pb.celery  # noqa: F401  the project's app, which these tasks bind to (balikpapan_pb/__init__.py)

from .models import User


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_verification_email(user_id: int) -> None:
    from .services import verification_link
    from .throttle import recipient_key, throttle_hit

    user = User.objects.filter(pk=user_id, email_verified_at__isnull=True, email__isnull=False).first()
    if user is None:  # already verified, address removed, or gone: nothing to send
        return
    if not throttle_hit("mail_verify_per_recipient", recipient_key(user.email)):
        return  # this mailbox had its share this hour, whoever asked
    with translation.override(user.language):
        context = {"user": user, "link": verification_link(user)}
        subject = render_to_string("accounts/email/verify_subject.txt", context).strip()
        body = render_to_string("accounts/email/verify_body.txt", context)
        html = render_to_string("accounts/email/verify_body.html", context)
    send_mail(subject, body, None, [user.email], html_message=html)


@shared_task
def forget_passed_adult_dates() -> int:
    """Beat (daily): once a minor has turned 17, only their birth year is kept."""
    from .services import adult_dates_forget

    return adult_dates_forget()


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_password_reset(email: str, language: str = "id") -> int:
    """The reset mail, looked up and sent here and not in the request: the page answers the same,
    in the same time, whether or not an account has this address. Returns how many were sent."""
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.contrib.auth.forms import PasswordResetForm

    from .throttle import recipient_key, throttle_hit

    form = PasswordResetForm({"email": email})
    if not form.is_valid() or not any(form.get_users(email)):
        return 0
    if not throttle_hit("mail_reset_per_recipient", recipient_key(email)):
        return 0
    site = urlsplit(settings.SITE_URL)
    with translation.override(language):
        form.save(domain_override=site.netloc, use_https=site.scheme == "https",
                  subject_template_name="accounts/email/password_reset_subject.txt",
                  email_template_name="accounts/email/password_reset_body.txt")
    return 1


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_registration_attempt_notice(email: str, language: str = "id") -> int:
    """Someone tried to register with an address that has an account: its owner is told, with how to
    sign in or reset the password (at most once a day per address)."""
    from django.conf import settings
    from django.urls import reverse

    from .throttle import recipient_key, throttle_hit

    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None or not throttle_hit("mail_register_attempt_per_recipient", recipient_key(email)):
        return 0
    with translation.override(user.language or language):
        context = {"user": user, "login": settings.SITE_URL + reverse("accounts:login"),
                   "reset": settings.SITE_URL + reverse("accounts:password_reset")}
        subject = render_to_string("accounts/email/register_attempt_subject.txt", context).strip()
        body = render_to_string("accounts/email/register_attempt_body.txt", context)
    send_mail(subject, body, None, [user.email])
    return 1


# reject_on_worker_lost: a pool process killed mid-import puts the message back on the queue (the
# import starts again from the stored file; accounts.census bounds the attempts). A whole worker
# lost leaves the upload running with no live holder: the officer's status page offers to resume.
@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=1800, time_limit=1900)
def import_census_upload(upload_id: int) -> None:
    """A census file an admin uploaded: imported here, not in the request (accounts.census)."""
    from .census import census_upload_run

    census_upload_run(upload_id=upload_id)
