"""The proposal list opens a map of the same proposals: markers that link to each proposal, the
list's filters kept, the list itself as the way without JavaScript."""

import pytest

from .test_accessibility import _serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [390, 1280])
def test_visitor_opens_the_map_from_the_list_and_follows_a_marker(demo, chromium, live_server, width):
    from proposals.models import Proposal
    from proposals.selectors import proposal_list
    from rounds.models import Round

    round_ = Round.objects.get(slug="ap-2027")
    located = proposal_list(round_=round_, category="pendidikan").filter(latitude__isnull=False).count()
    assert 1 < located < Proposal.objects.filter(round=round_, latitude__isnull=False).count()

    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/usulan/?putaran=ap-2027&kategori=pendidikan")
    page.get_by_role("link", name="Lihat peta", exact=True).click()
    page.wait_for_url("**/usulan/peta/?putaran=ap-2027&kategori=pendidikan")

    markers = page.locator("#peta-usulan .leaflet-marker-icon")
    markers.first.wait_for()
    assert markers.count() == located  # the list's filter holds on the map
    assert page.locator("#peta-usulan-status").text_content() == ""
    assert page.get_by_text("Peta memerlukan JavaScript").is_hidden()

    # Axe with the markers drawn, before the popup opens (Leaflet's close button is its own concern).
    assert not _serious_violations_with_bypass(context, page, live_server)

    # By keyboard, as Leaflet's markers are buttons (and overlapping markers would catch a pointer's click).
    markers.first.focus()
    page.keyboard.press("Enter")
    link = page.locator(".leaflet-popup-content a")
    title = link.text_content()
    link.click()
    page.wait_for_url("**/usulan/*/")
    assert page.locator("main h1").text_content().strip() == title
    context.close()


def _serious_violations_with_bypass(context, page, live_server) -> list[str]:
    """axe-core is injected inline, which the site's policy refuses: check it in a context that bypasses it."""
    url = page.url
    browser = context.browser
    other = browser.new_context(viewport=page.viewport_size, bypass_csp=True)
    checked = other.new_page()
    checked.set_default_timeout(15000)
    checked.goto(url)
    checked.locator("#peta-usulan .leaflet-marker-icon").first.wait_for()
    violations = _serious_violations(checked)
    other.close()
    return violations


def test_without_javascript_the_map_page_points_to_the_list(demo, chromium, live_server):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/usulan/?putaran=ap-2027&kategori=pendidikan")
    page.get_by_role("link", name="Lihat peta", exact=True).click()
    assert page.locator("#peta-usulan").is_hidden()
    assert page.get_by_text("Peta memerlukan JavaScript").is_visible()
    page.get_by_role("link", name="Lihat semuanya sebagai daftar").click()
    assert page.url.endswith("/usulan/?putaran=ap-2027&kategori=pendidikan")
    assert page.locator(".proposal-card").count() > 1
    context.close()
