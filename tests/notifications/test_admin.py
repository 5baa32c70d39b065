"""City staff see the outbox (queued, sent, failed) and can send failed emails again."""

import pytest
from django.urls import reverse

from notifications.kinds import Kind
from notifications.models import EmailStatus, Notification
from notifications.services import notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(user_factory):
    return user_factory(is_staff=True, is_superuser=True, role="admin")


def test_the_outbox_is_listed_and_filtered_by_status(client, staff, resident, django_capture_on_commit_callbacks):
    notify(recipient=resident, kind=Kind.RESULTS_PUBLISHED, context={})
    client.force_login(staff)
    url = reverse("admin:notifications_notification_changelist")
    assert client.get(url).status_code == 200
    assert client.get(url, {"email_status__exact": "failed"}).status_code == 200


def test_retry_puts_failed_emails_back_in_the_queue(client, staff, resident, django_capture_on_commit_callbacks):
    failed = notify(recipient=resident, kind=Kind.RESULTS_PUBLISHED, context={})
    Notification.objects.filter(pk=failed.pk).update(email_status=EmailStatus.FAILED, email_attempts=8, last_error="boom")
    client.force_login(staff)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("admin:notifications_notification_changelist"),
            {"action": "retry", "_selected_action": [failed.pk]},
        )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.email_status, failed.email_attempts, failed.last_error) == (EmailStatus.QUEUED, 0, "")
    assert len(callbacks) == 1


def test_residents_cannot_open_the_outbox(client, resident):
    client.force_login(resident)
    response = client.get(reverse("admin:notifications_notification_changelist"))
    assert response.status_code == 302
