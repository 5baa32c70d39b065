"""export_sipd: the header, one row per usulan at the requested level, no personal data, no formulas."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import Role
from musrenbang.exports import SIPD_COLUMNS
from musrenbang.models import JourneyStep, Recommendation, Stage
from proposals.models import KamusItem, Status
from tests.factories import AreaFactory, ProposalFactory, RoundFactory, UserFactory, category_get, kecamatan_area

pytestmark = pytest.mark.django_db

REQUIRED = ("kode_kamus,usulan,masalah,koefisien,satuan,anggaran,kelurahan,kecamatan,alamat,latitude,longitude,"
            "opd,status,rekomendasi_kelurahan,rekomendasi_kecamatan,rekomendasi_opd").split(",")


@pytest.fixture
def sipd_round():
    round_ = RoundFactory(phase="results", year=2027)
    kelurahan_area = AreaFactory(round=round_)
    kec_area = kecamatan_area(round_)
    item = KamusItem.objects.create(code="DEMO-DRN-02", name="U-ditch 40 cm", unit="m", unit_price=1_250_000,
                                    category=category_get("drainase-banjir"), opd="Dinas Pekerjaan Umum")
    proposer = UserFactory(full_name="Rahmawati Saputri", email="rahma@example.test", phone="081234567890")
    with_kamus = ProposalFactory(area=kelurahan_area, proposer=proposer, status=Status.SELECTED, kamus_item=item,
                                 volume=Decimal("40"), kamus_code=item.code, kamus_unit="m", kamus_unit_price=1_250_000,
                                 estimated_cost=50_000_000, final_cost=52_000_000, latitude=-1.2379, longitude=116.8529,
                                 title="U-ditch Jl. Gunung Bahagia", category=item.category)
    JourneyStep.objects.create(proposal=with_kamus, round=round_, stage=Stage.KELURAHAN,
                               recommendation=Recommendation.ACCEPTED, reason="Prioritas 1 forum kelurahan")
    outside = ProposalFactory(area=kelurahan_area, proposer=proposer, status=Status.FEASIBLE,
                              title="=HYPERLINK(\"http://evil.example\",\"klik\")", description="+cmd|' /C calc'!A0")
    ProposalFactory(area=kelurahan_area, proposer=proposer, status=Status.DRAFT, title="Draf rahasia")
    ProposalFactory(area=kelurahan_area, proposer=proposer, status=Status.HIDDEN, title="Disembunyikan")
    kecamatan_level = ProposalFactory(area=kec_area, proposer=proposer, status=Status.APPROVED, title="Jembatan kecamatan")
    return round_, {"with_kamus": with_kamus, "outside": outside, "kecamatan": kecamatan_level, "proposer": proposer}


def export(tmp_path, slug, *args) -> list[dict]:
    path = tmp_path / "sipd.csv"
    call_command("export_sipd", slug, str(path), *args, stdout=io.StringIO())
    text = path.read_text(encoding="utf-8-sig")
    return text, list(csv.DictReader(io.StringIO(text)))


def test_the_header_starts_with_the_sipd_columns(tmp_path, sipd_round):
    round_, _ = sipd_round
    text, _rows = export(tmp_path, round_.slug)
    assert text.splitlines()[0].split(",")[:len(REQUIRED)] == REQUIRED == SIPD_COLUMNS


def test_one_row_per_usulan_with_kamus_wilayah_and_recommendations(tmp_path, sipd_round):
    round_, made = sipd_round
    _text, rows = export(tmp_path, round_.slug)
    assert sorted(int(r["id_usulan"]) for r in rows) == sorted(p.pk for p in (made["with_kamus"], made["outside"],
                                                                              made["kecamatan"]))
    row = next(r for r in rows if r["id_usulan"] == str(made["with_kamus"].pk))
    assert (row["kode_kamus"], row["koefisien"], row["satuan"], row["anggaran"], row["opd"]) == (
        "DEMO-DRN-02", "40", "m", "52000000", "Dinas Pekerjaan Umum")
    assert (row["kelurahan"], row["kode_kelurahan"], row["kecamatan"], row["kode_kecamatan"]) == (
        "Gunung Bahagia", "64.71.05.1006", "Balikpapan Selatan", "64.71.05")
    assert (row["latitude"], row["longitude"]) == ("-1.2379", "116.8529")  # numbers are not neutralised
    assert row["rekomendasi_kelurahan"] == "Diterima: Prioritas 1 forum kelurahan"
    assert row["status"] == "Terpilih" and row["di_luar_kamus"] == "0"
    kec = next(r for r in rows if r["id_usulan"] == str(made["kecamatan"].pk))
    assert (kec["kelurahan"], kec["kode_kecamatan"], kec["tingkat"]) == ("", "64.71.05", "kecamatan")


@pytest.mark.parametrize(("level", "expected"), [("kelurahan", {"with_kamus", "outside"}), ("kecamatan", {"kecamatan"}),
                                                 ("kota", set())])
def test_level_selects_the_usulan_of_that_level(tmp_path, sipd_round, level, expected):
    round_, made = sipd_round
    _text, rows = export(tmp_path, round_.slug, "--level", level)
    assert {r["id_usulan"] for r in rows} == {str(made[key].pk) for key in expected}


def test_no_personal_data_in_the_file(tmp_path, sipd_round):
    round_, made = sipd_round
    text, _rows = export(tmp_path, round_.slug)
    proposer = made["proposer"]
    for secret in (proposer.full_name, proposer.email, "081234567890", "+6281234567890", proposer.nik_hash,
                   "Draf rahasia", "Disembunyikan"):
        assert secret not in text


def test_formula_cells_are_neutralised(tmp_path, sipd_round):
    round_, made = sipd_round
    _text, rows = export(tmp_path, round_.slug)
    row = next(r for r in rows if r["id_usulan"] == str(made["outside"].pk))
    assert row["usulan"].startswith("'=HYPERLINK(")
    assert row["masalah"].startswith("'+cmd")
    assert row["di_luar_kamus"] == "1"


def test_an_unknown_round_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Putaran tidak ditemukan"):
        call_command("export_sipd", "tidak-ada", str(tmp_path / "x.csv"))


def test_admins_download_the_same_file_and_nobody_else(client, sipd_round):
    round_, made = sipd_round
    url = reverse("musrenbang:sipd", args=[round_.slug])
    assert client.get(url).status_code == 302  # to the login page
    for role in (Role.CITIZEN, Role.MODERATOR, Role.VERIFIKATOR, Role.COUNCIL):
        client.force_login(UserFactory(role=role))
        assert client.get(url).status_code == 403
    client.force_login(UserFactory(role=Role.ADMIN))
    response = client.get(url, {"tingkat": "kecamatan"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["id_usulan"] for r in rows] == [str(made["kecamatan"].pk)]
