import csv
from pathlib import Path

import pytest

from wilayah.models import Kecamatan, Kelurahan
from wilayah.selectors import kelurahan_find

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "balikpapan_wilayah.csv"


@pytest.mark.django_db
def test_migration_loads_34_kelurahan_in_6_kecamatan_with_their_codes():
    assert Kecamatan.objects.count() == 6
    assert Kelurahan.objects.count() == 34
    with open(SHARED, encoding="utf-8") as f:
        expected = {row["kode"]: (row["kecamatan"], row["kelurahan"]) for row in csv.DictReader(f)}
    loaded = {k.code: (k.kecamatan.name, k.name) for k in Kelurahan.objects.select_related("kecamatan")}
    assert loaded == expected
    assert {k.code for k in Kecamatan.objects.all()} == {f"64.71.0{i}" for i in range(1, 7)}


@pytest.mark.django_db
def test_population_per_kecamatan_is_loaded():
    assert Kecamatan.objects.get(code="64.71.03").population == 191341
    assert sum(Kecamatan.objects.values_list("population", flat=True)) == 746804


@pytest.mark.django_db
@pytest.mark.parametrize(
    "spelling, code",
    [("Sungai Nangka", "64.71.05.1010"), ("sungainangka", "64.71.05.1010"), ("Kel. Gunung Bahagia", "64.71.05.1006"),
     ("Gn. Bahagia", "64.71.05.1006"), ("Margasari", "64.71.02.1006"), ("64.71.03.1001", "64.71.03.1001")],
)
def test_names_that_vary_between_sources_find_the_same_kelurahan(spelling, code):
    assert kelurahan_find(spelling).code == code
