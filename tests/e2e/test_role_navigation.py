"""Each role, on a phone without JavaScript, reaches its main pages from the home page by clicking only."""

import re

import pytest

from .conftest import sign_in
from .test_council import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _phone(chromium, live_server, email=None):
    # JavaScript off: the menu must open and every link work without it.
    context = chromium.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15000)
    if email:
        sign_in(page, live_server, email, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/")
    return context, page


def _menu(page, name: str) -> None:
    """From the page shown, open the phone menu and follow one of its links."""
    page.locator("summary", has_text="Menu").click()
    # The name, and after it perhaps the unread badge ("Kotak masuk 1 belum dibaca"): another browser
    # test may have published a round, which told every resident.
    link = re.compile(rf"^{re.escape(name)}(\s+\d+\+?\s.*)?$")
    page.get_by_role("navigation", name="Navigasi utama").get_by_role("link", name=link).click()
    page.wait_for_load_state()


def _from_home(page, live_server, link: str, path: str) -> None:
    """From the home page's "Pekerjaan Anda", follow the link whose name matches `link`."""
    page.goto(f"{live_server.url}/")
    page.locator("#tugas").get_by_role("link", name=re.compile(link)).click()
    assert re.search(path, page.url), (link, page.url)


def _reach_each(page, live_server, expected: dict[str, str]) -> None:
    """From the home page each time, menu link name -> the page it must open."""
    for name, path in expected.items():
        page.goto(f"{live_server.url}/")
        _menu(page, name)
        assert page.url.endswith(path), (name, page.url)
        assert page.locator("main h1").count() == 1


def test_council_member_finds_the_dashboard_in_the_menu_and_on_the_home_page(demo, chromium, live_server):
    context, page = _phone(chromium, live_server, "dewan@demo.local")
    _menu(page, "Dasbor dewan")
    assert page.url.endswith("/dewan/") and "Prioritas warga" in page.locator("main").inner_text()
    _from_home(page, live_server, "Dasbor dewan", r"/dewan/$")
    context.close()


def test_lpm_officer_finds_queues_desk_codes_and_paper_ballots(demo, chromium, live_server):
    context, page = _phone(chromium, live_server, "lpm@demo.local")
    _reach_each(page, live_server, {"Antrean moderasi": "/usulan/moderasi/",
                                    "Verifikasi domisili": "/akun/verifikasi-domisili/",
                                    "Kode undangan": "/akun/kode-undangan/"})
    # The paper ballots of the round in voting: through the menu, then the area.
    page.goto(f"{live_server.url}/")
    _menu(page, "Surat suara kertas")
    page.locator("#kertas").get_by_role("link", name=re.compile("Gunung Bahagia")).click()
    assert re.search(r"/pilih/ap-2027/wilayah/\d+/kertas/$", page.url)
    assert page.locator("input[name=nik]").count() == 1
    # And straight from the home page.
    _from_home(page, live_server, "Surat suara kertas: Kelurahan Gunung Bahagia", r"/kertas/$")
    context.close()


def test_verifikator_finds_valuation_and_progress_reports(demo, chromium, live_server):
    context, page = _phone(chromium, live_server, "verifikator@demo.local")
    _menu(page, "Antrean valuasi")
    assert page.url.endswith("/usulan/valuasi/")
    page.goto(f"{live_server.url}/")
    _menu(page, "Laporan kemajuan")
    assert re.search(r"/hasil/ap-2026/pelaksanaan/$", page.url)
    context.close()


def test_admin_finds_each_round_with_its_next_step(demo, chromium, live_server):
    context, page = _phone(chromium, live_server, "admin@demo.local")
    _menu(page, "Langkah putaran")
    assert page.locator("#tugas").is_visible()
    _from_home(page, live_server, "Anggaran Partisipatif 2026: Hasil diumumkan", r"/pilih/ap-2026/rekapitulasi/$")
    _from_home(page, live_server, "2027: Pemungutan suara berlangsung", r"/pilih/ap-2027/rekapitulasi/$")
    context.close()


def test_resident_reaches_own_pages_and_signs_out_without_javascript(demo, chromium, live_server):
    context, page = _phone(chromium, live_server, "warga@demo.local")
    _reach_each(page, live_server, {"Usulan saya": "/usulan/saya/", "Kotak masuk": "/notifikasi/kotak-masuk/",
                                    "Profil": "/akun/profil/"})
    # A resident has no officer's work: no "Pekerjaan Anda" on the home page.
    page.goto(f"{live_server.url}/")
    assert page.locator("#tugas").count() == 0
    page.locator("summary", has_text="Menu").click()
    page.get_by_role("navigation", name="Navigasi utama").get_by_role("button", name="Keluar").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/")
    page.locator("summary", has_text="Menu").click()
    assert page.get_by_role("navigation", name="Navigasi utama").get_by_role("link", name="Masuk").is_visible()
    context.close()


def test_visitor_finds_open_data_and_the_receipt_check_in_the_footer(demo, chromium, live_server):
    context, page = _phone(chromium, live_server)
    page.locator("footer").get_by_role("link", name="Data terbuka").click()
    assert page.url.endswith("/data-terbuka/")
    page.locator("footer").get_by_role("link", name="Cek tanda terima suara").click()
    assert page.url.endswith("/cek-tanda-terima/")
    # Closed, the phone menu hides its links; a click on "Menu" shows them.
    nav = page.get_by_role("navigation", name="Navigasi utama")
    assert not nav.get_by_role("link", name="Usulan", exact=True).is_visible()
    page.locator("summary", has_text="Menu").click()
    assert nav.get_by_role("link", name="Usulan", exact=True).is_visible()
    context.close()


@pytest.mark.parametrize("javascript", [False, True])
def test_resident_opens_a_projects_details_inside_the_ballot(demo, chromium, live_server, javascript):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, live_server, "warga@demo.local", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/")
    _menu(page, "Pilih")
    page.get_by_role("link", name=re.compile("Kelurahan Gunung Bahagia")).click()
    ballot_url = page.url
    assert re.search(r"ditutup \d{1,2} \w+ \d{4}, \d\d[.:]\d\d WITA", page.locator("#ballot-closes").inner_text())
    item = page.locator(".ballot-item").first
    link = item.get_by_role("link", name=re.compile("Buka halaman usulan"))
    assert not link.is_visible()
    item.locator("summary").click()
    assert link.is_visible() and item.locator(".ballot-details p").first.inner_text().strip()
    if javascript:  # the map starts when its project is opened
        item.locator(".ballot-map.map-live").wait_for(state="visible")
    assert page.url == ballot_url  # still on the ballot
    context.close()


@pytest.mark.parametrize("email, link, path", [
    ("lpm@demo.local", "Antrean moderasi", "/usulan/moderasi/"),
    ("admin@demo.local", "Kode undangan", "/akun/kode-undangan/"),
    ("verifikator@demo.local", "Antrean valuasi", "/usulan/valuasi/"),
])
@pytest.mark.parametrize("javascript", [True, False])
def test_an_officers_menu_stays_on_one_row_at_1280_px(demo, chromium, live_server, email, link, path, javascript):
    """Issue 13: at 1280 px an officer's menu wrapped to a second row. The work links fold into "Tugas"."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, live_server, email, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/")
    wide = page.locator(".sw-menu-wide")
    items = wide.locator(".nav-link:visible")
    tops = {round(items.nth(i).bounding_box()["y"]) for i in range(items.count())}
    assert items.count() >= 7 and max(tops) - min(tops) <= 8, tops  # one row
    assert page.locator("nav.navbar").bounding_box()["height"] < 70
    wide.locator("summary", has_text="Tugas").click()
    wide.get_by_role("link", name=link, exact=True).click()
    page.wait_for_load_state()
    assert page.url.endswith(path)
    context.close()
