"""axe-core on every main page, as each role, at phone and desktop widths: no serious or critical violation.

axe-core is vendored from the npm registry (`make vendor`) into static/vendor/axe-core/ and injected here
only; no page of the portal loads it. The injected script is inline, which the site's
Content-Security-Policy refuses (as it should): the test's browser context bypasses the policy.
"""

from pathlib import Path

import pytest
from django.conf import settings

from .conftest import sign_in
from .test_council import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js"


def _pages(role: str) -> list[str]:
    from accounts.models import User
    from notifications.services import notify
    from proposals.models import Proposal, Status
    from rounds.models import Area
    from voting.models import ResultSnapshot

    gunung_bahagia = Area.objects.get(round__slug="ap-2027", kelurahan__name__icontains="Gunung Bahagia")
    results_area = Area.objects.get(round__slug="ap-2026", kelurahan__name__icontains="Gunung Bahagia")
    proposal = Proposal.objects.filter(round__slug="ap-2027", area=gunung_bahagia, status=Status.FEASIBLE).first()
    funded = ResultSnapshot.objects.filter(round__slug="ap-2026", published_at__isnull=False).first().result["selected"][0]
    # An unread message, so that the inbox shows its "Tandai dibaca" button.
    notify(recipient=User.objects.get(email="warga@demo.local"), kind="results_published",
           context={"round_name": "Anggaran Partisipatif 2026", "area_name": "Kelurahan Gunung Bahagia"}, url="/hasil/ap-2026/")
    return {
        "visitor": ["/", "/usulan/", f"/usulan/{proposal.pk}/", "/putaran/", "/putaran/ap-2027/", "/hasil/ap-2026/",
                    f"/hasil/ap-2026/{results_area.code}/", "/hasil/ap-2026/pelaksanaan/", f"/pelaksanaan/{funded}/", "/data-terbuka/",
                    "/cek-tanda-terima/", "/akun/masuk/", "/akun/daftar/", "/kebijakan-privasi/"],
        "warga@demo.local": ["/", "/pilih/", f"/pilih/ap-2027/wilayah/{gunung_bahagia.pk}/", "/usulan/saya/",
                             "/usulan/baru/ap-2028/", "/notifikasi/kotak-masuk/", "/akun/profil/"],
        "lpm@demo.local": ["/", "/usulan/moderasi/", "/akun/verifikasi-domisili/", "/akun/kode-undangan/",
                           f"/pilih/ap-2027/wilayah/{gunung_bahagia.pk}/kertas/"],
        "verifikator@demo.local": ["/usulan/valuasi/"],
        "dewan@demo.local": ["/dewan/"],
        "admin@demo.local": ["/", "/pilih/ap-2026/rekapitulasi/", "/pilih/ap-2026/rekapitulasi/umumkan/",
                             "/putaran/ap-2027/tahap-berikutnya/"],
    }[role]


def _serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes'][:3]]}"
        for v in results["violations"] if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("role", ["visitor", "warga@demo.local", "lpm@demo.local", "verifikator@demo.local",
                                  "dewan@demo.local", "admin@demo.local"])
def test_no_serious_accessibility_violation_on_the_main_pages(demo, chromium, live_server, role):
    """Each role's main pages at phone and desktop width (both widths in one test: the demo data
    is seeded once per test, and seeding costs more than the pages)."""
    found = {}
    for width in (390, 1280):
        context = chromium.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
        page = context.new_page()
        page.set_default_timeout(15000)
        if role != "visitor":
            sign_in(page, live_server, role, DEMO_PASSWORD)
        for path in _pages(role):
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, (width, path, response.status)
            page.wait_for_load_state("load")
            if violations := _serious_violations(page):
                found[f"{path} at {width} px"] = violations
        context.close()
    assert not found, "\n".join(f"{path}: {v}" for path, vs in found.items() for v in vs)
