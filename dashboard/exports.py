"""Open-data files: results as CSV and JSON, projects and anonymised ballots as pabulib `.pb`.

CSV cells go through proposals.csvsafe (no formula runs in a spreadsheet); JSON and .pb
keep every text as it is. Nothing personal goes in: no names, emails, phones, NIKs, user ids, NIK hashes or voter
keys. A ballot is identified only by its receipt code, which its voter holds.
"""

from __future__ import annotations

import csv
import io
import json

from proposals.csvsafe import csv_row

from .selectors import AreaResult, ProjectLine
from .suppression import Table

RESULT_COLUMNS = [
    ("round", "Slug putaran anggaran / round slug"),
    ("area_code", "Kode wilayah (Kemendagri) / area code"),
    ("area_name", "Nama wilayah / area name"),
    ("rule", "Aturan penghitungan: greedy, mes, borda / tally rule"),
    ("rank", "Peringkat / rank"),
    ("project_id", "Id proyek, sama dengan di berkas .pb / project id, as in the .pb file"),
    ("title", "Judul usulan / title"),
    ("category", "Kategori / category"),
    ("cost", "Biaya dalam rupiah / cost in rupiah"),
    ("votes", "Suara (atau poin) / votes (or points)"),
    ("selected", "1 jika didanai / 1 if funded"),
    ("reason_id", "Alasan (Bahasa Indonesia) / reason in Indonesian"),
    ("reason_en", "Alasan (Inggris) / reason in English"),
    ("input_hash", "Sidik SHA-256 masukan rekapitulasi; menghitung ulang berkas .pb memberi sidik yang sama / "
                   "SHA-256 of the tally input; recounting the .pb file gives the same"),
    ("ballots_sha256", "SHA-256 berkas surat suara .pb yang dibekukan bersama hasil ini / "
                       "SHA-256 of the .pb ballot file frozen with this result"),
]


def _line_row(result: AreaResult, line: ProjectLine) -> dict:
    return {
        "round": result.round.slug, "area_code": result.area.code, "area_name": result.area.name,
        "rule": result.snapshot.rule, "rank": line.rank, "project_id": line.id,
        "title": line.proposal.title if line.proposal else "", "category": line.proposal.category_id if line.proposal else "",
        "cost": line.cost, "votes": line.votes, "selected": int(line.selected),
        "reason_id": line.reason_id, "reason_en": line.reason_en,
        "input_hash": result.input_hash, "ballots_sha256": result.ballots_sha256,
    }


def results_csv(results: list[AreaResult]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[name for name, _ in RESULT_COLUMNS], lineterminator="\n")
    writer.writeheader()
    for result in results:
        for line in result.lines:
            writer.writerow(csv_row(_line_row(result, line)))
    return out.getvalue()


def _cells(table: Table, columns: list[str]) -> dict:
    return {column: table.column_totals[column].display for column in columns} | {"total": table.total.display}


def area_json(result: AreaResult) -> dict:
    snapshot = result.snapshot
    return {
        "round": result.round.slug, "round_name": result.round.name, "year": result.round.year,
        "area_code": result.area.code, "area_name": result.area.name, "level": result.area.level,
        "rule": snapshot.rule, "budget": result.budget, "budget_used": result.budget_used, "voters": result.voters,
        "ballots_by_channel": _cells(result.channels, result.channels.columns),
        "published_at": snapshot.published_at.isoformat() if snapshot.published_at else None,
        "input_hash": snapshot.input_hash, "ballots_sha256": result.ballots_sha256,
        "selected": [str(i) for i in snapshot.result.get("selected", [])],
        "projects": [
            {key: value for key, value in _line_row(result, line).items()
             if key not in {"round", "area_code", "area_name", "rule", "input_hash", "ballots_sha256"}}
            for line in result.lines
        ],
    }


def results_json(results: list[AreaResult], *, round_slug: str) -> str:
    data = {"round": round_slug, "areas": [area_json(r) for r in results]}
    return json.dumps(data, ensure_ascii=False, indent=2)


PB_PROJECT_COLUMNS = [
    ("project_id", "Id proyek / project id"),
    ("cost", "Biaya dalam rupiah / cost in rupiah"),
    ("votes", "Suara atau poin dalam hasil resmi / votes or points in the official result"),
    ("selected", "1 jika didanai / 1 if funded"),
    ("name", "Judul usulan / title"),
    ("category", "Kategori / category"),
    ("latitude", "Lintang / latitude"),
    ("longitude", "Bujur / longitude"),
]
PB_VOTE_COLUMNS = [
    ("voter_id", "Kode tanda terima surat suara (bukan identitas pemilih) / the ballot's receipt code"),
    ("vote", "Id proyek yang dipilih (urut peringkat untuk surat suara peringkat) / chosen project ids"),
    ("points", "Poin per proyek, hanya untuk surat suara poin / points, cumulative ballots only"),
]


TURNOUT_COLUMNS = [
    ("table", "gender, age_band atau channel / which split"),
    ("kecamatan_code", "Kode kecamatan tempat tinggal (kosong: tidak diketahui; 'total': seluruh kota)"),
    ("kecamatan_name", "Nama kecamatan"),
    ("column", "Nilai pembagian (L/P, kelompok umur, online/paper, 'total')"),
    ("count", "Jumlah; '<10' jika kurang dari 10 orang, '≥10' jika disembunyikan agar sel kecil tidak dapat dihitung"),
]


def turnout_csv(tables: dict[str, Table], names: dict) -> str:
    """Turnout tables with their suppression applied: only the displayed values are written."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([name for name, _ in TURNOUT_COLUMNS])
    for key, table in tables.items():
        for row in table.rows:
            code = row or ""
            name = names.get(row, "") if row else "tidak diketahui"
            for column in table.columns:
                writer.writerow(csv_row([key, code, name, column or "unknown", table.cell(row, column).display]))
            writer.writerow(csv_row([key, code, name, "total", table.row_totals[row].display]))
        for column in table.columns:
            writer.writerow(csv_row([key, "total", "Kota Balikpapan", column or "unknown",
                                     table.column_totals[column].display]))
        writer.writerow(csv_row([key, "total", "Kota Balikpapan", "total", table.total.display]))
    return out.getvalue()
