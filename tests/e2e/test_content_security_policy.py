"""The Content-Security-Policy breaks nothing: in headless Chromium the maps, the ballot's
budget bar and the print buttons work, and no page reports a violation."""

import pytest

from tests.dashboard.conftest import GUNUNG_BAHAGIA, build_round
from tests.factories import AreaFactory, RoundFactory, UserFactory, category_get

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Installed by the browser before any page script runs: every violation is kept, and printing
# is only noted (headless Chromium has no printer).
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  e => window.__violations.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sourceFile || "") + ":" + e.lineNumber));
window.print = () => { window.__printed = true; };
"""


@pytest.fixture
def browser_page(chromium, live_server):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.add_init_script(WATCH)
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.errors = errors
    yield page
    context.close()


def sign_in_as(page, live_server, user) -> None:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])


def assert_clean(page) -> None:
    assert page.evaluate("window.__violations") == []
    assert page.errors == []


def test_results_map_and_print_button_work_under_the_policy(browser_page, live_server):
    build_round(slug="ap-csp")
    page = browser_page
    page.goto(f"{live_server.url}/hasil/ap-csp/{GUNUNG_BAHAGIA}/")
    page.wait_for_selector(".leaflet-container")  # Leaflet (a static file) ran and drew the map
    assert page.locator(".leaflet-tile").count() > 0  # tiles requested from MAP_TILE_URL (offline here)
    assert_clean(page)
    page.goto(f"{live_server.url}/hasil/ap-csp/{GUNUNG_BAHAGIA}/cetak/")
    page.click("[data-print]")
    assert page.evaluate("window.__printed") is True
    assert_clean(page)


def test_proposal_form_map_pin_works_under_the_policy(browser_page, live_server):
    round_ = RoundFactory(phase="submission")
    area = AreaFactory(round=round_)
    category_get("drainase-banjir")
    sign_in_as(browser_page, live_server, UserFactory(kelurahan=area.kelurahan))
    page = browser_page
    page.goto(f"{live_server.url}/usulan/baru/{round_.slug}/")
    page.locator("#peta").scroll_into_view_if_needed()
    page.locator("#peta").click()
    assert "Lokasi ditandai:" in page.locator("#peta-status").inner_text()
    assert page.locator(".leaflet-marker-icon").count() == 1
    assert_clean(page)


def test_an_inline_script_is_blocked(browser_page, live_server):
    """The policy is really enforced: a script written into the page does not run."""
    page = browser_page
    page.goto(f"{live_server.url}/")
    page.evaluate("""() => {
        const s = document.createElement('script'); s.textContent = 'window.__ran = true';
        document.body.appendChild(s);
        const b = document.createElement('div'); b.innerHTML = '<img src=x onerror="window.__ran2 = true">';
        document.body.appendChild(b);
    }""")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__ran") is None and page.evaluate("window.__ran2") is None
    assert any(v.startswith("script-src") for v in page.evaluate("window.__violations"))
