"""A council member signs in and reads the ranked priorities of the demo round, on a phone and a desktop."""

import re

import pytest

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "suarawarga-demo"


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 900)])
def test_council_member_reads_the_ranked_priorities(demo, chromium, live_server, width, height, tmp_path):
    from voting.models import ResultSnapshot

    context = chromium.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, live_server, "dewan@demo.local", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/dewan/?putaran=ap-2026&kecamatan=64.71.03")
    assert page.locator("h1").first.is_visible()
    main = page.locator("main").inner_text()
    assert "Balikpapan Utara" in main and "Apa yang paling banyak diusulkan" in main

    items = page.locator("#prioritas > li")
    count = items.count()
    assert count >= 5
    texts = [items.nth(i).inner_text() for i in range(count)]
    # Each priority shows its cost in rupiah and whether it was funded; the funded ones are
    # exactly the published result's selection for their areas.
    assert all(re.search(r"Rp\d{1,3}(\.\d{3})+", text) for text in texts)
    assert all(("Didanai" in t) != ("Tidak didanai" in t) for t in texts)
    # Ranked by share of each area's voters, highest first.
    shares = [float(m.group(1).replace(",", ".")) for t in texts if (m := re.search(r"\(([\d,]+)% pemilih\)", t))]
    assert len(shares) == count and shares == sorted(shares, reverse=True)
    selected = {pid for s in ResultSnapshot.objects.filter(round__slug="ap-2026", published_at__isnull=False)
                for pid in s.result["selected"]}
    funded_titles = [t.split("\n")[0] for t in texts if "Tidak didanai" not in t]
    from proposals.models import Proposal

    assert funded_titles and all(Proposal.objects.filter(title=title.strip(), pk__in=[int(p) for p in selected]).exists()
                                 for title in funded_titles)
    # Aggregates only: no receipt code, NIK or voter appears on the page.
    assert not re.search(r"\b\d{16}\b", main) and "tanda terima" not in main.lower()
    # Readable at this width: nothing runs off the side of the screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    if width < 576:
        # The tables become cards on a phone: none scrolls sideways inside its box, and every
        # number is shown under the name of what it counts.
        assert page.evaluate("[...document.querySelectorAll('.sw-table-scroll')]"
                             ".every(box => box.scrollWidth <= box.clientWidth)")
        label = page.evaluate("getComputedStyle(document.querySelector('table.sw-stack td[data-label]'), '::before')"
                              ".content")
        assert label.strip('"') == "Usulan"
    page.screenshot(path=str(tmp_path / f"council-{width}.png"), full_page=True)
    context.close()


def test_residents_and_visitors_are_refused_the_council_dashboard(demo, chromium, live_server):
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/dewan/")
    assert "/akun/masuk/" in page.url  # a visitor is asked to sign in
    sign_in(page, live_server, "warga@demo.local", DEMO_PASSWORD)
    response = page.goto(f"{live_server.url}/dewan/")
    assert response.status == 403
    assert "Prioritas warga" not in page.locator("main").inner_text()
    context.close()
