"""A resident votes on a knapsack ballot on a phone: budget bar, confirmation, change, receipt."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone_page(chromium, live_server):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def _login(page, live_server, user):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                               "url": live_server.url}])


def test_resident_votes_on_a_knapsack_ballot_on_a_phone(phone_page, live_server):
    from tests.voting.conftest import make_round, project_ids, resident_with_nik, stored_ballots

    round_ = make_round()
    area = round_.test_areas["kel"]
    ids = project_ids(area)  # 80, 120, 250, 300, 450 million; budget 1 billion
    user, _nik = resident_with_nik()
    page = phone_page
    _login(page, live_server, user)
    page.goto(f"{live_server.url}/pilih/{round_.slug}/wilayah/{area.pk}/")

    fill = page.locator("#budget-fill")
    assert page.locator("#budget-chosen").inner_text() == "Rp0"
    page.locator(f"label[for='p-{ids[4]}']").click()
    assert page.locator("#budget-chosen").inner_text() == "Rp450.000.000"
    assert fill.evaluate("e => e.style.width") == "45%"
    page.locator(f"label[for='p-{ids[3]}']").click()
    page.locator(f"label[for='p-{ids[2]}']").click()
    page.locator(f"label[for='p-{ids[1]}']").click()  # 1.12 billion: over the pagu
    assert "Melebihi pagu" in page.locator("#budget-left").inner_text()
    assert "bg-danger" in (fill.get_attribute("class") or "")
    page.locator(f"label[for='p-{ids[1]}']").click()  # back to 1 billion
    assert page.locator("#budget-chosen").inner_text() == "Rp1.000.000.000"
    assert "bg-danger" not in (fill.get_attribute("class") or "")

    page.locator("#ballot-next").click()
    assert "Periksa pilihan Anda" in page.locator("h1").inner_text()
    page.locator("#ballot-confirm").click()
    page.wait_for_url(re.compile(r"/tersimpan/$"))
    assert page.locator("h1").inner_text() == "Suara Anda tersimpan"
    receipt = page.locator("#receipt-code").inner_text()
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", receipt)

    # change the vote: the ballot shows the current choices
    page.locator("#ballot-change").click()
    assert page.locator(f"#p-{ids[4]}").is_checked()
    assert page.locator("#budget-chosen").inner_text() == "Rp1.000.000.000"
    page.locator(f"label[for='p-{ids[4]}']").click()
    page.locator(f"label[for='p-{ids[0]}']").click()
    assert page.locator("#budget-chosen").inner_text() == "Rp630.000.000"
    page.locator("#ballot-next").click()
    page.locator("#ballot-confirm").click()
    page.wait_for_url(re.compile(r"/tersimpan/$"))
    assert page.locator("#receipt-code").inner_text() == receipt
    [ballot] = stored_ballots(area)
    assert ballot.choices == sorted([ids[0], ids[2], ids[3]])
    # the page fits the phone: nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
