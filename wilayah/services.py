"""Loading of the Kemendagri codes, shared by the data migration and test set-up."""

import csv
from pathlib import Path

from .names import aliases_for

DATA = Path(__file__).resolve().parent / "data"


def wilayah_load(kecamatan_model, kelurahan_model) -> None:
    """Idempotent: creates or updates the 6 kecamatan and 34 kelurahan. Models are passed in
    so that the data migration can hand over its historical models."""
    with open(DATA / "balikpapan_kecamatan_population.csv", encoding="utf-8") as f:
        population = {row["kode"]: int(row["population_2024_s1"]) for row in csv.DictReader(f)}
    with open(DATA / "balikpapan_wilayah.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        kec_code = row["kode"][:8]
        kecamatan, _ = kecamatan_model.objects.update_or_create(
            code=kec_code,
            defaults={
                "name": row["kecamatan"],
                "population": population.get(kec_code),
                "aliases": aliases_for(kec_code, row["kecamatan"]),
            },
        )
        kelurahan_model.objects.update_or_create(
            code=row["kode"],
            defaults={"name": row["kelurahan"], "kecamatan": kecamatan, "aliases": aliases_for(row["kode"], row["kelurahan"])},
        )


def wilayah_ensure() -> None:
    """For tests that flush tables (transactional tests): put the wilayah back when gone."""
    from .models import Kecamatan, Kelurahan

    if Kelurahan.objects.count() != 34:
        wilayah_load(Kecamatan, Kelurahan)
