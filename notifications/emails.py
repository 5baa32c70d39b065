"""Building the email for one notification, in the recipient's language, with absolute links."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .kinds import Kind
from .messages import localized_path, render_message
from .models import Notification
from .tokens import unsubscribe_token_make


def absolute(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL + path


def unsubscribe_url(*, user_id: int, kind: str, language: str) -> str:
    with translation.override(language):
        token = unsubscribe_token_make(user_id=user_id, kind=kind)
        return absolute(reverse("notifications:unsubscribe", args=[token]))


def email_build(notification: Notification, *, connection=None) -> EmailMultiAlternatives:
    user = notification.recipient
    language = user.language or settings.LANGUAGE_CODE
    message = render_message(kind=notification.kind, context=notification.context, language=language)
    with translation.override(language):
        context = {
            "user": user,
            "subject": message.subject,
            "lines": message.lines,
            "link": absolute(localized_path(notification.url, language)) if notification.url else "",
            "kind_label": Kind(notification.kind).label if notification.kind in Kind.values else notification.kind,
            "unsubscribe_url": unsubscribe_url(user_id=user.pk, kind=notification.kind, language=language),
            "preferences_url": absolute(reverse("notifications:preferences")),
            "site_url": settings.SITE_URL,
        }
        text = render_to_string("notifications/email/message.txt", context)
        html = render_to_string("notifications/email/message.html", context)
    email = EmailMultiAlternatives(
        subject=message.subject, body=text, to=[user.email], connection=connection,
        headers={
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    email.attach_alternative(html, "text/html")
    return email
