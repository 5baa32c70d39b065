"""On a phone: a resident proposes with a photo and a map pin, the LPM approves, the resident sees it."""

import pytest
from PIL import ExifTags, Image

from accounts.models import Role
from proposals.models import Proposal, ProposalPhoto, Status
from tests.factories import AreaFactory, RoundFactory, UserFactory, category_get
from tests.proposals.test_views import jpeg_with_gps

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Normalisasi drainase Jl. Syarifuddin Yoes RT 12"


def phone(browser, live_server, user):
    """A phone-sized page signed in as `user` through the login form."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, live_server, user.email, "rahasia-warga-17")
    assert "/akun/masuk/" not in page.url, page.content()[:2000]
    return page


def test_resident_proposes_with_photo_and_pin_and_sees_the_lpm_approval(chromium, live_server, tmp_path):
    round_ = RoundFactory(phase="submission")
    area = AreaFactory(round=round_)
    category_get("drainase-banjir")
    resident = UserFactory(kelurahan=area.kelurahan)
    moderator = UserFactory(role=Role.MODERATOR)
    moderator.moderated_kelurahan.add(area.kelurahan)
    for user in (resident, moderator):
        user.set_password("rahasia-warga-17")
        user.save()
    photo = tmp_path / "IMG_2026.jpg"
    photo.write_bytes(jpeg_with_gps())

    # The resident fills the form on a phone: text, cost as people write it, a pin, a photo.
    page = phone(chromium, live_server, resident)
    page.goto(f"{live_server.url}/usulan/baru/{round_.slug}/")
    page.fill("input[name=title]", TITLE)
    page.select_option("select[name=category]", label="Drainase dan pengendalian banjir")
    page.fill("textarea[name=description]", "Saluran tersumbat sedimen, banjir setinggi lutut setiap hujan deras.")
    page.fill("input[name=estimated_cost]", "250.000.000")
    page.fill("input[name=address]", "Jl. Syarifuddin Yoes, depan masjid")
    page.fill("input[name=rt]", "12")
    page.fill("input[name=rw]", "3")
    page.locator("#peta").scroll_into_view_if_needed()
    page.locator("#peta").click()  # the middle of the map: the centre of Balikpapan
    assert "Lokasi ditandai:" in page.locator("#peta-status").inner_text()
    assert page.locator(".leaflet-marker-icon").count() == 1
    page.set_input_files("input[name=photos]", str(photo))
    page.click("button[name=aksi][value=ajukan]")
    page.wait_for_load_state()

    proposal = Proposal.objects.get(title=TITLE)
    assert page.url.endswith(proposal.get_absolute_url())
    assert "Diajukan" in page.locator("main").inner_text()
    assert (proposal.status, proposal.estimated_cost, proposal.rt) == (Status.SUBMITTED, 250_000_000, "12")
    assert -1.45 < proposal.latitude < -1.0 and 116.7 < proposal.longitude < 117.1  # inside Balikpapan
    stored = ProposalPhoto.objects.get(proposal=proposal)
    with Image.open(stored.image.path) as image:
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert page.locator("main img").count() >= 1
    # Nothing overflows sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # The LPM officer finds it in the queue on their phone and approves it.
    lpm = phone(chromium, live_server, moderator)
    lpm.goto(f"{live_server.url}/usulan/moderasi/")
    lpm.click(f"text={TITLE}")
    lpm.wait_for_load_state()
    assert lpm.url.endswith(f"/usulan/{proposal.pk}/moderasi/")
    lpm.get_by_label("Setujui").check()
    lpm.click("button:has-text('Simpan keputusan')")
    lpm.wait_for_load_state()
    proposal.refresh_from_db()
    assert proposal.status == Status.APPROVED

    # The resident reloads their proposal and sees the new status in the history.
    page.goto(f"{live_server.url}{proposal.get_absolute_url()}")
    main = page.locator("main").inner_text()
    assert "Disetujui LPM" in main
    page.goto(f"{live_server.url}/notifikasi/kotak-masuk/")
    inbox = page.locator("main").inner_text()
    assert TITLE in inbox and "Disetujui LPM" in inbox
