from celery import shared_task
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from .models import User


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_verification_email(user_id: int) -> None:
    from .services import verification_link

    user = User.objects.filter(pk=user_id, email_verified_at__isnull=True, email__isnull=False).first()
    if user is None:  # already verified, address removed, or gone: nothing to send
        return
    with translation.override(user.language):
        context = {"user": user, "link": verification_link(user)}
        subject = render_to_string("accounts/email/verify_subject.txt", context).strip()
        body = render_to_string("accounts/email/verify_body.txt", context)
        html = render_to_string("accounts/email/verify_body.html", context)
    send_mail(subject, body, None, [user.email], html_message=html)


@shared_task
def purge_login_failures() -> int:
    from .services import login_failures_purge

    return login_failures_purge()


@shared_task
def forget_passed_adult_dates() -> int:
    """Beat (daily): once a minor has turned 17, only their birth year is kept."""
    from .services import adult_dates_forget

    return adult_dates_forget()


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def import_census_upload(upload_id: int) -> None:
    """A census file an admin uploaded: imported here, not in the request (accounts.census)."""
    from .census import census_upload_run

    census_upload_run(upload_id=upload_id)
