"""Musrenbang in a browser at phone width: the kamus cost as one types, the public journey,
the printable berita acara."""

import pytest

from proposals.models import KamusItem, Proposal
from tests.factories import AreaFactory, RoundFactory, UserFactory, category_get

from .test_proposal_flow import phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_cost_of_a_kamus_item_shows_as_the_resident_types(chromium, live_server):
    round_ = RoundFactory(phase="submission")
    area = AreaFactory(round=round_)
    category_get("jalan-jembatan")
    drainage = category_get("drainase-banjir")
    KamusItem.objects.create(code="DEMO-DRN-02", name="U-ditch 40 cm (pasang)", unit="m", unit_price=1_250_000,
                             category=drainage, opd="Dinas Pekerjaan Umum")
    resident = UserFactory(kelurahan=area.kelurahan)
    resident.set_password("rahasia-warga-17")
    resident.save()
    page = phone(chromium, live_server, resident)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/usulan/baru/{round_.slug}/")
    page.fill("input[name=title]", "U-ditch Jl. Gunung Bahagia RT 12")
    page.fill("textarea[name=description]", "Air meluap ke jalan setiap hujan.")
    page.select_option("select[name=kamus_item]", label="DEMO-DRN-02 · U-ditch 40 cm (pasang) — Rp1.250.000 / m")
    page.fill("input[name=volume]", "12,35")
    output = page.locator("#kamus-biaya")
    assert "Rp15.437.500" in output.inner_text()  # before any request: computed in the page
    page.fill("input[name=volume]", "40")
    assert "Perkiraan biaya: Rp50.000.000 (40 m × Rp1.250.000)" == output.inner_text()
    assert page.locator("select[name=category]").input_value() == "drainase-banjir"  # follows the item
    page.fill("input[name=address]", "Jl. Gunung Bahagia RT 12")
    page.click("button[name=aksi][value=ajukan]")
    page.wait_for_load_state()
    proposal = Proposal.objects.get()
    assert (proposal.estimated_cost, proposal.kamus_code) == (50_000_000, "DEMO-DRN-02")
    assert "DEMO-DRN-02: 40 m × Rp1.250.000" in page.locator("main").inner_text()
    assert errors == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
