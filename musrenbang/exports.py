"""The usulan of a round in the shape SIPD uses for resident usulan (a CSV for re-typing or
importing into SIPD). The layout follows public SIPD exports of usulan masyarakat, not an
official specification (SIPD has no open interface); README "Ekspor bentuk SIPD" maps it.

No personal data: no proposer, no NIK, name, e-mail or phone; locations are of the project.
"""

from __future__ import annotations

import csv
import io

from django.db.models import Prefetch, QuerySet
from django.utils import translation

from proposals.csvsafe import csv_row
from proposals.models import Proposal, Status
from rounds.models import AreaLevel, Round

from .models import JourneyStep, Recommendation, Stage

# The columns SIPD's usulan exports carry, in their order, then ours.
SIPD_COLUMNS = ["kode_kamus", "usulan", "masalah", "koefisien", "satuan", "anggaran", "kelurahan", "kecamatan",
                "alamat", "latitude", "longitude", "opd", "status", "rekomendasi_kelurahan",
                "rekomendasi_kecamatan", "rekomendasi_opd"]
EXTRA_COLUMNS = ["kode_kelurahan", "kode_kecamatan", "id_usulan", "tahun", "tingkat", "kategori", "rt", "rw",
                 "rekomendasi_kota", "di_luar_kamus"]
LEVELS = [AreaLevel.KELURAHAN, AreaLevel.KECAMATAN, AreaLevel.KOTA]
EXCLUDED_STATUSES = [Status.DRAFT, Status.HIDDEN, Status.MERGED]

def sipd_queryset(*, round: Round, level: str | None = None) -> QuerySet[Proposal]:  # noqa: A002
    queryset = (Proposal.objects.filter(round=round).exclude(status__in=EXCLUDED_STATUSES)
                .select_related("area__kelurahan__kecamatan", "area__kecamatan", "category", "kamus_item")
                .prefetch_related(Prefetch("journey_steps", queryset=JourneyStep.objects.filter(round=round)
                                           .order_by("created_at", "pk"), to_attr="round_steps"))
                .order_by("area__level", "area__code", "pk"))
    if level:
        queryset = queryset.filter(area__level=level)
    return queryset


def _recommendation(steps: list[JourneyStep], stage: str) -> str:
    step = next((s for s in reversed(steps) if s.stage == stage), None)
    if step is None:
        return ""
    text = f"{Recommendation(step.recommendation).label}: {step.reason}"
    if step.recommended_amount is not None:
        text += f" (Rp{step.recommended_amount:,})".replace(",", ".")
    return text


def _wilayah(proposal: Proposal) -> tuple[str, str, str, str]:
    area = proposal.area
    kelurahan = area.kelurahan
    kecamatan = kelurahan.kecamatan if kelurahan else area.kecamatan
    return (kelurahan.code if kelurahan else "", kelurahan.name if kelurahan else "",
            kecamatan.code if kecamatan else "", kecamatan.name if kecamatan else "")


def sipd_row(proposal: Proposal) -> dict:
    steps = getattr(proposal, "round_steps", None)
    if steps is None:
        steps = list(proposal.journey_steps.filter(round_id=proposal.round_id).order_by("created_at", "pk"))
    kel_code, kel_name, kec_code, kec_name = _wilayah(proposal)
    volume = proposal.volume
    return {
        "kode_kamus": proposal.kamus_code,
        "usulan": proposal.title,
        "masalah": proposal.description,
        "koefisien": (f"{volume.normalize():f}" if volume is not None else ""),
        "satuan": proposal.kamus_unit,
        "anggaran": proposal.cost,
        "kelurahan": kel_name,
        "kecamatan": kec_name,
        "alamat": proposal.address,
        "latitude": proposal.latitude if proposal.latitude is not None else "",
        "longitude": proposal.longitude if proposal.longitude is not None else "",
        "opd": proposal.kamus_item.opd if proposal.kamus_item else "",
        "status": str(proposal.get_status_display()),
        "rekomendasi_kelurahan": _recommendation(steps, Stage.KELURAHAN),
        "rekomendasi_kecamatan": _recommendation(steps, Stage.KECAMATAN),
        "rekomendasi_opd": _recommendation(steps, Stage.RENJA),
        "kode_kelurahan": kel_code,
        "kode_kecamatan": kec_code,
        "id_usulan": proposal.pk,
        "tahun": proposal.round.year,
        "tingkat": proposal.area.level,
        "kategori": proposal.category.name,
        "rt": proposal.rt,
        "rw": proposal.rw,
        "rekomendasi_kota": _recommendation(steps, Stage.KOTA),
        "di_luar_kamus": int(proposal.outside_kamus),
    }


def sipd_write(out, *, round: Round, level: str | None = None) -> int:  # noqa: A002
    """Writes the CSV to a text stream; returns the number of usulan written."""
    writer = csv.DictWriter(out, fieldnames=SIPD_COLUMNS + EXTRA_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    with translation.override("id"):
        for proposal in sipd_queryset(round=round, level=level):
            writer.writerow(csv_row(sipd_row(proposal)))
            count += 1
    return count


def sipd_csv(*, round: Round, level: str | None = None) -> str:  # noqa: A002
    out = io.StringIO()
    sipd_write(out, round=round, level=level)
    return out.getvalue()
