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


def test_a_visitor_follows_the_journey_of_an_usulan_on_a_phone(chromium, live_server):
    from accounts.models import Role
    from musrenbang.models import Recommendation, Stage
    from musrenbang.services import journey_step_record
    from proposals.models import Status
    from tests.factories import ProposalFactory

    round_ = RoundFactory(phase="results", year=2027)
    proposal = ProposalFactory(area=AreaFactory(round=round_), status=Status.SELECTED,
                               title="Drainase Jl. Gunung Bahagia RT 12")
    lpm = UserFactory(role=Role.MODERATOR)
    for stage, reason in ((Stage.RT_RW, "Disepakati musyawarah RW 03 bersama 41 warga."),
                          (Stage.KELURAHAN, "Hasil pemungutan suara: 812 suara, prioritas 1 kelurahan."),
                          (Stage.KECAMATAN, "Ditunda: pagu kecamatan 2027 sudah terpakai untuk jalan poros.")):
        journey_step_record(proposal=proposal, stage=stage, actor=lpm, reason=reason,
                            recommendation=Recommendation.DEFERRED if stage == Stage.KECAMATAN else Recommendation.ACCEPTED)
    context = chromium.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}{proposal.get_absolute_url()}")
    timeline = page.locator("#jejak")
    timeline.scroll_into_view_if_needed()
    assert timeline.is_visible()
    text = timeline.inner_text()
    assert "Jejak usulan" in text
    assert "Disepakati musyawarah RW 03 bersama 41 warga." in text
    assert "Ditunda: pagu kecamatan 2027" in text
    states = page.eval_on_selector_all("#jejak li", "items => items.map(li => li.dataset.state)")
    assert states == ["accepted", "accepted", "deferred", "future", "future", "future", "future", "future", "future"]
    # The timeline's dots are styled (the stylesheet loaded) and nothing overflows sideways.
    colour = page.eval_on_selector("li[data-stage=rt_rw]", "li => getComputedStyle(li, '::before').backgroundColor")
    assert colour == "rgb(25, 135, 84)"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert lpm.full_name not in page.content()
    context.close()


def test_the_berita_acara_prints_on_a4_without_the_site_navigation(chromium, live_server):
    import datetime as dt
    import re

    from django.utils import timezone

    from musrenbang.models import Forum
    from musrenbang.services import forum_save
    from proposals.models import Status
    from tests.factories import ProposalFactory

    round_ = RoundFactory(phase="review", year=2027)
    area = AreaFactory(round=round_)
    priorities = [ProposalFactory(area=area, status=Status.APPROVED, title=f"Prioritas nomor {n}") for n in range(1, 13)]
    forum = forum_save(forum=Forum(round=round_, level="kelurahan", kelurahan=area.kelurahan), actor=None,
                       priorities=priorities, held_at=timezone.make_aware(dt.datetime(2027, 1, 15, 9, 0)),
                       place="Aula Kantor Kelurahan Gunung Bahagia", officers="Pimpinan sidang: Ketua LPM\nNotulis: Sekretaris",
                       attendance_men=33, attendance_women=22, delegates="Siti Aminah (PKK)", notes="")
    page = chromium.new_page()
    page.goto(f"{live_server.url}/musrenbang/forum/{forum.pk}/berita-acara/")
    assert page.locator("nav.navbar").first.is_visible()
    page.emulate_media(media="print")
    text = page.locator("body").inner_text()
    assert "BERITA ACARA" in text and "pukul 09:00 WITA" in text and "perempuan 40%" in text
    assert not page.locator("nav.navbar").first.is_visible()  # the site's navigation stays off the paper
    assert not page.locator(".no-print").is_visible()
    assert page.locator(".signature-line").count() == 2
    pdf = page.pdf(prefer_css_page_size=True, print_background=False)
    sizes = {tuple(round(float(v)) for v in box) for box in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)}
    assert sizes == {(595, 842)}, sizes  # A4 in points, from the page's own @page rule
    page.close()
