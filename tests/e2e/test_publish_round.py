"""An admin publishes a whole round in one confirmed step, by clicking from the home page."""

import re

import pytest

from .conftest import sign_in
from .test_council import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_publishes_a_round_in_one_step_from_the_home_page(demo, chromium, live_server):
    from notifications.models import FanoutBatch
    from rounds.models import Round
    from voting.models import ResultSnapshot

    # The demo's results round, tallied but not yet published.
    ResultSnapshot.objects.filter(round__slug="ap-2026").update(published_at=None, published_by=None)
    Round.objects.filter(slug="ap-2026").update(results_published_at=None)
    areas = Round.objects.get(slug="ap-2026").areas.count()

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, live_server, "admin@demo.local", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/")
    page.locator("#tugas").get_by_role("link", name=re.compile("Anggaran Partisipatif 2026: Periksa dan umumkan")).click()
    assert page.url.endswith("/pilih/ap-2026/rekapitulasi/")
    page.get_by_role("link", name="Umumkan semua hasil").click()
    # The confirmation says what will happen and who is told, and nothing is public yet.
    main = page.locator("main").inner_text()
    assert f"Hasil {areas} wilayah diumumkan sekarang" in main and "menerima satu pesan" in main
    assert not ResultSnapshot.objects.filter(round__slug="ap-2026", published_at__isnull=False).exists()
    page.get_by_role("button", name="Ya, umumkan semua hasil").click()
    page.wait_for_url(re.compile(r"/hasil/ap-2026/$"))
    assert "diumumkan untuk" in page.locator("main").inner_text()
    assert Round.objects.get(slug="ap-2026").results_published_at is not None
    published = ResultSnapshot.objects.filter(round__slug="ap-2026", published_at__isnull=False)
    assert published.values("area_id").distinct().count() == areas
    told = [pk for batch in FanoutBatch.objects.filter(kind="results_published") for pk in batch.recipient_ids]
    assert told and len(told) == len(set(told)), "each resident is told once"
    # Back on the tally page: the round says it is published, and no button offers it again.
    page.goto(f"{live_server.url}/pilih/ap-2026/rekapitulasi/")
    assert page.get_by_role("link", name="Umumkan semua hasil").count() == 0
    context.close()
