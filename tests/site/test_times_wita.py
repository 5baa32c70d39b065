"""Every time of day a page, a print-out, an inbox or an e-mail shows is Balikpapan's, followed by "WITA"."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

# A time of day as people read it (09:05, 9:05); an ISO moment inside an attribute is markup, not text.
TIME = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?![\d:])")


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _times_without_wita(text: str) -> list[str]:
    return [text[max(0, m.start() - 40):m.end() + 10] for m in TIME.finditer(text)
            if not text[m.end():m.end() + 6].startswith(" WITA")]


def _client(email: str | None) -> Client:
    from accounts.models import User

    client = Client()
    if email:
        client.force_login(User.objects.get(email=email))
    return client


def test_each_time_on_the_main_pages_is_followed_by_wita(demo, settings):
    from accounts.models import User
    from musrenbang.models import Forum
    from notifications.services import notify
    from proposals.models import Comment, Proposal
    from voting.models import ResultSnapshot

    # The server runs in UTC here, as a worker abroad would: pages must still show Balikpapan's clock.
    settings.TIME_ZONE = "UTC"
    timezone.deactivate()
    resident = User.objects.get(email="warga@demo.local")
    proposal = Proposal.objects.filter(round__slug="ap-2027", comments__hidden=False).first()
    comment = Comment.objects.filter(proposal=proposal, hidden=False).first()
    moment = dt.datetime(2027, 3, 1, 1, 5, tzinfo=dt.UTC)  # 09:05 in Balikpapan
    Comment.objects.filter(pk=comment.pk).update(created_at=moment)
    notify(recipient=resident, kind="results_published",
           context={"round_name": "Anggaran Partisipatif 2026", "area_name": "Kota Balikpapan"}, url="/hasil/ap-2026/")
    snapshot = ResultSnapshot.objects.filter(round__slug="ap-2026", published_at__isnull=False).first()
    forum = Forum.objects.first()

    pages = {
        None: [f"/usulan/{proposal.pk}/", f"/hasil/ap-2026/{snapshot.area.code}/cetak/"],
        "warga@demo.local": ["/notifikasi/kotak-masuk/"],
        "admin@demo.local": ["/pilih/ap-2026/rekapitulasi/", f"/musrenbang/{forum.round.slug}/forum/",
                             f"/musrenbang/forum/{forum.pk}/", f"/musrenbang/forum/{forum.pk}/berita-acara/"],
    }
    found, bare = {}, {}
    for email, paths in pages.items():
        client = _client(email)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            text = _text(response.content.decode())
            found[path] = TIME.findall(text)
            if missing := _times_without_wita(text):
                bare[path] = missing
    assert all(found.values()), found  # each page shows at least one time, so the check can fail
    assert not bare, bare
    detail = _text(_client(None).get(f"/usulan/{proposal.pk}/").content.decode())
    assert "09:05 WITA" in detail, re.findall(r".{60}WITA", detail)


def test_a_closing_time_in_a_message_reads_in_wita_whatever_zone_is_active():
    from notifications.messages import render_message

    closes = dt.datetime(2027, 3, 1, 15, 0, tzinfo=dt.UTC).isoformat()  # 23:00 in Balikpapan
    with timezone.override(ZoneInfo("Europe/Berlin")):
        for language in ("id", "en"):
            message = render_message(kind="voting_closing", context={"round_name": "AP 2027", "closes_at": closes},
                                     language=language)
            text = "\n".join([message.subject, *message.lines])
            assert "23:00 WITA" in text, text
            assert not _times_without_wita(text)


def test_the_wita_filter_shows_balikpapans_clock_for_a_moment_in_utc():
    """The database hands datetimes back in UTC; the filter used to print those hours beside "WITA"."""
    from wilayah.templatetags.waktu import wita

    moment = dt.datetime(2027, 3, 1, 15, 0, tzinfo=dt.UTC)
    assert wita(moment, "j M Y H:i") == "1 Mar 2027 23:00 WITA"
    assert wita(moment.astimezone(ZoneInfo("Asia/Makassar")), "H:i") == "23:00 WITA"
    assert wita(None) == ""
