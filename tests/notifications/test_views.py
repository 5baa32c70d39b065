"""The inbox, the navbar badge, preferences and unsubscribe links, as a resident meets them."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from notifications.context_processors import unread_count
from notifications.kinds import ALWAYS_SENT, Channel, Kind
from notifications.models import Notification, OptOut
from notifications.services import notify
from notifications.tokens import unsubscribe_token_make

pytestmark = pytest.mark.django_db

INBOX = "/notifikasi/kotak-masuk/"
PREFERENCES = "/notifikasi/pengaturan-notifikasi/"


def _status(user, title="Drainase Jl. Sepinggan"):
    return notify(
        recipient=user, kind=Kind.PROPOSAL_STATUS, url="/usulan/12/",
        context={"title": title, "status_label": "Disetujui", "reason": "Lengkap"},
    )


def test_the_inbox_lists_my_notifications_and_not_anyone_elses(client, resident, other_resident):
    _status(resident, "Lampu jalan RT 07")
    _status(other_resident, "Rahasia orang lain")
    client.force_login(resident)
    html = client.get(INBOX).content.decode()
    assert "Status usulan “Lampu jalan RT 07”: Disetujui" in html
    assert "Alasan dari moderator: Lengkap" in html
    assert 'href="/usulan/12/"' in html
    assert "Rahasia orang lain" not in html


def test_the_inbox_speaks_english_on_english_pages(client, resident):
    _status(resident)
    client.force_login(resident)
    html = client.get("/en" + INBOX).content.decode()
    assert '<html lang="en">' in html
    assert "Reason given by the moderator: Lengkap" in html


def test_the_navbar_shows_the_unread_count(client, resident):
    client.force_login(resident)
    assert 'data-unread' not in client.get("/").content.decode()
    _status(resident)
    _status(resident)
    html = client.get("/").content.decode()
    assert 'data-unread="2"' in html
    assert reverse("notifications:inbox") in html


def test_the_badge_says_99_plus_beyond_99(client, resident):
    Notification.objects.bulk_create(Notification(recipient=resident, kind=Kind.RESULTS_PUBLISHED) for _ in range(120))
    client.force_login(resident)
    assert ">99+<" in client.get("/").content.decode()


def test_the_unread_count_costs_one_query_and_none_when_unused(resident, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = resident
    with django_assert_num_queries(0):
        context = unread_count(request)
    _status(resident)
    with django_assert_num_queries(1):
        assert context["notifications_unread_count"] == 1
        assert f"{context['notifications_unread_count']}" == "1"


def test_marking_one_and_all_read(client, resident):
    first, second, third = _status(resident), _status(resident), _status(resident)
    client.force_login(resident)
    response = client.post(reverse("notifications:mark_read", args=[first.pk]), {"next": INBOX + "?halaman=1"})
    assert response.status_code == 302 and response["Location"] == INBOX + "?halaman=1"
    assert 'data-unread="2"' in client.get(INBOX).content.decode()
    client.post(reverse("notifications:mark_all_read"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert {second.pk, third.pk} <= set(Notification.objects.filter(read_at__isnull=False).values_list("pk", flat=True))


def test_no_one_can_mark_someone_elses_notification(client, resident, other_resident):
    theirs = _status(other_resident)
    client.force_login(resident)
    assert client.post(reverse("notifications:mark_read", args=[theirs.pk])).status_code == 404
    client.post(reverse("notifications:mark_all_read"))
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_is_a_post_only(client, resident):
    mine = _status(resident)
    client.force_login(resident)
    assert client.get(reverse("notifications:mark_read", args=[mine.pk])).status_code == 405


def test_the_inbox_needs_a_login(client):
    response = client.get(INBOX)
    assert response.status_code == 302 and "/akun/masuk/" in response["Location"]


def test_the_inbox_page_costs_the_same_queries_for_1_or_30_notifications(client, resident):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(resident)
    client.get(INBOX)  # the first page after signing in also reads the user into the shared cache
    counts = []
    for total in (1, 30):
        Notification.objects.all().delete()
        for i in range(total):
            _status(resident, f"Usulan {i}")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(INBOX).status_code == 200
        counts.append(len(queries))
        mine = [q["sql"] for q in queries.captured_queries if "notifications_notification" in q["sql"]]
        assert len(mine) == 3  # paginator count, the page, the navbar badge
    assert counts[0] == counts[1]


def test_preferences_default_to_everything_on_and_can_be_switched_off(client, resident):
    client.force_login(resident)
    html = client.get(PREFERENCES).content.decode()
    choosable = [k for k in Kind.values if k not in ALWAYS_SENT]  # an account's security is always told
    assert html.count('type="checkbox"') == len(choosable) * len(Channel.values)
    assert html.count(" checked") == len(choosable) * len(Channel.values)

    ticked = {f"{k}__{c}": "on" for k in choosable for c in Channel.values}
    del ticked["proposal_comment__email"]
    response = client.post(PREFERENCES, ticked)
    assert response.status_code == 302
    assert list(OptOut.objects.filter(user=resident).values_list("kind", "channel")) == [("proposal_comment", "email")]
    assert client.get(PREFERENCES).content.decode().count(" checked") == len(ticked)
    comment = notify(recipient=resident, kind=Kind.PROPOSAL_COMMENT, context={})
    assert comment.email_status == "none"


def test_a_security_notice_reaches_the_inbox_even_when_everything_is_switched_off(client, resident):
    client.force_login(resident)
    assert client.post(PREFERENCES, {"nothing": "ticked"}).status_code == 302
    assert "account_security" not in client.get(PREFERENCES).content.decode()
    notice = notify(recipient=resident, kind=Kind.ACCOUNT_SECURITY, context={"kelurahan": "Gunung Bahagia"})
    assert notice is not None and notice.in_inbox


def test_the_unsubscribe_link_asks_first_then_unsubscribes_without_a_login(client, resident):
    url = reverse("notifications:unsubscribe", args=[unsubscribe_token_make(user_id=resident.pk, kind=Kind.VOTING_OPENED)])
    response = client.get(url)
    assert response.status_code == 200
    assert "<form" in response.content.decode()
    assert not OptOut.objects.exists()  # a link preview fetching the page changes nothing

    response = client.post(url, {"scope": "kind"})
    assert response.status_code == 200
    assert list(OptOut.objects.values_list("kind", "channel")) == [("voting_opened", "email")]
    assert resident.email not in response.content.decode()  # masked on a page anyone with the link sees
    assert notify(recipient=resident, kind=Kind.VOTING_OPENED, context={}).email_status == "none"
    assert notify(recipient=resident, kind=Kind.VOTING_CLOSING, context={}).email_status == "queued"


def test_unsubscribing_from_every_email(client, resident):
    url = reverse("notifications:unsubscribe", args=[unsubscribe_token_make(user_id=resident.pk, kind=Kind.VOTING_OPENED)])
    client.post(url, {"scope": "all"})
    assert OptOut.objects.filter(user=resident, channel="email").count() == len(Kind.values)
    assert not OptOut.objects.filter(channel="inbox").exists()


@pytest.mark.parametrize("token", ["rusak", "eyJ1IjoxfQ:1abc:xyz", unsubscribe_token_make(user_id=10**9, kind="voting_opened"),
                                   unsubscribe_token_make(user_id=1, kind="birthday")],
                         ids=["garbage", "bad-signature", "unknown-user", "unknown-kind"])  # a signed token's id changes each second
def test_a_bad_unsubscribe_link_gets_a_clear_400(client, token, resident):
    for method in (client.get, client.post):
        response = method(reverse("notifications:unsubscribe", args=[token]))
        assert response.status_code == 400
        assert "Tautan tidak berlaku" in response.content.decode()
    assert not OptOut.objects.exists()


def test_the_email_unsubscribe_link_works_end_to_end(client, resident, mailoutbox):
    from notifications import services

    services.notification_deliver_email(notification_id=_status(resident).pk)
    link = next(word for word in mailoutbox[0].body.split() if "/berhenti-langganan/" in word)
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert client.get("/" + path).status_code == 200
    client.post("/" + path, {"scope": "kind"})
    assert OptOut.objects.filter(user=resident, kind=Kind.PROPOSAL_STATUS, channel="email").exists()
