"""Musrenbang demo data for `seed_demo`: the kamus usulan (demo prices), forums and journeys.
Demonstration only: the unit prices are DEMO values, not the city's SSH/HSPK."""

from pathlib import Path

from accounts.models import User
from proposals.services import kamus_import, kamus_rows_read

KAMUS_DEMO = Path(__file__).resolve().parent / "data" / "kamus_demo.csv"


def seed_kamus() -> int:
    report = kamus_import(rows=kamus_rows_read(KAMUS_DEMO.read_text(encoding="utf-8")))
    return report.stored


def seed(*, users: dict[str, User], size: str, stdout) -> None:
    stored = seed_kamus()
    stdout.write(f"Kamus usulan: {stored} item (harga contoh untuk demo, bukan SSH/HSPK resmi).")
