"""The kamus usulan: import_kamus, the indicative cost of a proposal, the deviation flag."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import Role
from proposals.models import KamusItem, Proposal, Status
from tests.factories import AreaFactory, ProposalFactory, RoundFactory, UserFactory, category_get

pytestmark = pytest.mark.django_db

HEADER = "kode,nama,satuan,harga_satuan,kategori,opd\n"
GOOD = ("DR-01,U-ditch 40 cm,m,1250000,drainase-banjir,Dinas Pekerjaan Umum\n"
        "JL-01,Pengaspalan hotmix,m2,185000,Jalan dan jembatan,Dinas Pekerjaan Umum\n")


def run_import(tmp_path, text: str) -> str:
    category_get("drainase-banjir")
    category_get("jalan-jembatan")
    path = tmp_path / "kamus.csv"
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("import_kamus", str(path), stdout=out)
    return out.getvalue()


def kamus_item(code="DR-01", price=1_250_000, unit="m") -> KamusItem:
    return KamusItem.objects.create(code=code, name="U-ditch 40 cm", unit=unit, unit_price=price,
                                    category=category_get("drainase-banjir"), opd="Dinas Pekerjaan Umum")


def test_good_rows_are_stored_by_category_slug_or_name(tmp_path):
    out = run_import(tmp_path, HEADER + GOOD)
    assert "dibaca 2, disimpan 2, ditolak 0" in out
    item = KamusItem.objects.get(code="JL-01")
    assert (item.unit, item.unit_price, item.category_id, item.active) == ("m2", 185_000, "jalan-jembatan", True)


def test_semicolons_and_grouped_rupiah_as_excel_writes_them(tmp_path):
    out = run_import(tmp_path, "kode;nama;satuan;harga_satuan;kategori;opd\nDR-02;U-ditch 60 cm;m;1.850.000;drainase-banjir;DPU\n")
    assert "disimpan 1" in out
    assert KamusItem.objects.get(code="DR-02").unit_price == 1_850_000


def test_bad_rows_are_refused_with_line_and_reason_and_the_good_ones_stored(tmp_path):
    text = HEADER + GOOD + (
        "TM-01,Bangku taman,unit,2250000,taman-kota,DLH\n"        # line 4: unknown category
        "DR-03,U-ditch 80 cm,m,dua juta,drainase-banjir,DPU\n"     # line 5: not a number
        "DR-04,Box culvert,m,0,drainase-banjir,DPU\n"              # line 6: zero
        "DR-05,Tutup,m,-350000,drainase-banjir,DPU\n"              # line 7: negative
        "DR-06,Sumur resapan,unit,6500000.5,drainase-banjir,DPU\n"  # line 8: not whole rupiah
        "dr-01,U-ditch 40 cm lagi,m,1300000,drainase-banjir,DPU\n"  # line 9: duplicate of line 2
    )
    out = run_import(tmp_path, text)
    assert "dibaca 8, disimpan 2, ditolak 6" in out
    assert "ditolak baris 4: kategori tidak dikenal: 'taman-kota'" in out
    for line in (5, 6, 7, 8):
        assert f"ditolak baris {line}: harga satuan tidak sah" in out
    assert "ditolak baris 9: kode dr-01 ganda (sudah ada di baris 2)" in out
    assert set(KamusItem.objects.values_list("code", flat=True)) == {"DR-01", "JL-01"}
    assert KamusItem.objects.get(code="DR-01").unit_price == 1_250_000


def test_a_new_file_replaces_the_list_and_proposals_keep_their_item(tmp_path):
    run_import(tmp_path, HEADER + GOOD)
    proposal = ProposalFactory(kamus_item=KamusItem.objects.get(code="JL-01"), volume=Decimal("10"),
                               kamus_code="JL-01", kamus_unit="m2", kamus_unit_price=185_000, estimated_cost=1_850_000)
    out = run_import(tmp_path, HEADER + "DR-01,U-ditch 40 cm,m,1300000,drainase-banjir,DPU\n")
    assert "disimpan 1" in out and "dinonaktifkan 1" in out
    assert list(KamusItem.objects.filter(active=True).values_list("code", "unit_price")) == [("DR-01", 1_300_000)]
    proposal.refresh_from_db()
    assert proposal.kamus_item.code == "JL-01" and not proposal.kamus_item.active


@pytest.mark.parametrize("text", ["", "kode,nama\nDR-01,x\n", HEADER + "X,,m,abc,none,\n"])
def test_an_unusable_file_changes_nothing(tmp_path, text):
    run_import(tmp_path, HEADER + GOOD)
    with pytest.raises(CommandError):
        run_import(tmp_path, text)
    assert KamusItem.objects.filter(active=True).count() == 2


# --- the proposal form: cost = volume x unit price --------------------------------------------

@pytest.fixture
def submission(client):
    round_ = RoundFactory(phase="submission")
    area = AreaFactory(round=round_)
    resident = UserFactory(kelurahan=area.kelurahan)
    client.force_login(resident)
    return round_, area


def form_data(area, **extra):
    data = {"title": "U-ditch Jl. Gunung Bahagia RT 12", "category": "drainase-banjir", "area": area.pk,
            "description": "Banjir setiap hujan deras.", "address": "Jl. Gunung Bahagia RT 12", "aksi": "ajukan"}
    data.update(extra)
    return data


def test_the_server_computes_the_cost_from_item_and_volume_whatever_the_browser_sent(client, submission):
    round_, area = submission
    item = kamus_item()
    response = client.post(reverse("proposals:create", args=[round_.slug]),
                           form_data(area, kamus_item=item.pk, volume="12,35", estimated_cost="1"))
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.estimated_cost == 15_437_500  # 12.35 x 1.250.000, exact
    assert (proposal.kamus_code, proposal.kamus_unit, proposal.volume) == ("DR-01", "m", Decimal("12.35"))
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "DR-01: 12,35 m × Rp1.250.000" in page
    assert "di luar kamus" not in page


def test_without_javascript_hitung_biaya_shows_the_cost_and_saves_nothing(client, submission):
    round_, area = submission
    item = kamus_item()
    response = client.post(reverse("proposals:create", args=[round_.slug]),
                           {"kamus_item": item.pk, "volume": "40", "area": area.pk, "aksi": "hitung"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Perkiraan biaya: Rp50.000.000" in page
    assert "Judul usulan" in page and "wajib diisi" not in page  # no errors for fields not yet filled
    assert not Proposal.objects.exists()


def test_a_kamus_item_needs_a_volume_and_its_own_category(client, submission):
    round_, area = submission
    item = kamus_item()
    url = reverse("proposals:create", args=[round_.slug])
    page = client.post(url, form_data(area, kamus_item=item.pk, volume="")).content.decode()
    assert "Isi volume (koefisien)" in page
    page = client.post(url, form_data(area, kamus_item=item.pk, volume="-3")).content.decode()
    assert "Tulis volume sebagai angka" in page
    category_get("jalan-jembatan")
    page = client.post(url, form_data(area, kamus_item=item.pk, volume="5", category="jalan-jembatan")).content.decode()
    assert "Item kamus yang dipilih termasuk kategori" in page
    assert not Proposal.objects.exists()


def test_a_proposal_outside_the_kamus_is_allowed_and_marked(client, submission):
    round_, area = submission
    kamus_item()
    response = client.post(reverse("proposals:create", args=[round_.slug]),
                           form_data(area, kamus_item="", estimated_cost="75.000.000"))
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.estimated_cost == 75_000_000 and proposal.outside_kamus
    assert "di luar kamus" in client.get(proposal.get_absolute_url()).content.decode()


def test_outside_the_kamus_a_cost_is_required(client, submission):
    round_, area = submission
    page = client.post(reverse("proposals:create", args=[round_.slug]), form_data(area)).content.decode()
    assert "Tulis perkiraan biaya, atau pilih item kamus" in page
    assert not Proposal.objects.exists()


# --- the verifikator's comparison ----------------------------------------------------------------

def valuation_page(client, *, final_cost, unit_price_now=1_250_000):
    round_ = RoundFactory(phase="review")
    item = kamus_item()
    proposal = ProposalFactory(area=AreaFactory(round=round_), status=Status.APPROVED, category=item.category,
                               kamus_item=item, volume=Decimal("40"), kamus_code="DR-01", kamus_unit="m",
                               kamus_unit_price=1_250_000, estimated_cost=50_000_000, final_cost=final_cost)
    KamusItem.objects.filter(pk=item.pk).update(unit_price=unit_price_now)
    verifikator = UserFactory(role=Role.VERIFIKATOR)
    item.category.verifikators.add(verifikator)
    client.force_login(verifikator)
    response = client.get(reverse("proposals:valuate", args=[proposal.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_final_cost_within_25_percent_of_the_standard_is_not_flagged(client):
    page = valuation_page(client, final_cost=62_500_000)  # exactly 25 %
    assert "Rp50.000.000" in page and "selisih 25%" in page
    assert 'data-deviation="flagged"' not in page


def test_a_final_cost_over_25_percent_from_the_standard_is_flagged(client):
    page = valuation_page(client, final_cost=63_000_000)  # 26 %
    assert page.count('data-deviation="flagged"') == 1
    assert "menyimpang lebih dari 25% dari standar" in page


def test_the_estimate_is_compared_with_todays_unit_price(client):
    page = valuation_page(client, final_cost=None, unit_price_now=700_000)  # standard now Rp28.000.000
    assert "Rp28.000.000" in page
    assert page.count('data-deviation="flagged"') == 1  # the resident's Rp50.000.000 is 79 % above


def test_a_proposal_outside_the_kamus_says_so_to_the_verifikator(client):
    round_ = RoundFactory(phase="review")
    proposal = ProposalFactory(area=AreaFactory(round=round_), status=Status.APPROVED)
    verifikator = UserFactory(role=Role.VERIFIKATOR)
    proposal.category.verifikators.add(verifikator)
    client.force_login(verifikator)
    page = client.get(reverse("proposals:valuate", args=[proposal.pk])).content.decode()
    assert "di luar kamus" in page


def test_the_demo_kamus_loads_about_forty_items():
    from musrenbang.demo import seed_kamus

    for slug in ("jalan-jembatan", "drainase-banjir", "air-bersih", "taman-rth", "penerangan-jalan",
                 "persampahan-lingkungan", "kesehatan-stunting", "pendidikan", "ekonomi-kreatif-umkm", "fasilitas-umum"):
        category_get(slug)
    assert seed_kamus() == 42
    assert KamusItem.objects.get(name__startswith="U-ditch 40 cm").unit == "m"
    assert all(code.startswith("DEMO-") for code in KamusItem.objects.values_list("code", flat=True))


@pytest.mark.parametrize("volume", ["1e309", "9" * 16, "1e9999", "NaN", "-inf", "0,001", "1.2.3", "²"])
def test_a_volume_no_one_can_build_is_a_clear_error(client, submission, volume):
    round_, area = submission
    item = kamus_item()
    response = client.post(reverse("proposals:create", args=[round_.slug]),
                           form_data(area, kamus_item=item.pk, volume=volume))
    assert response.status_code == 200 and "Tulis volume sebagai angka" in response.content.decode()
