"""Musrenbang demo data for `seed_demo`: the kamus usulan (demo prices), forums, journeys and a
carried-over usulan. Demonstration only: the unit prices are DEMO values, not the city's SSH/HSPK."""

import datetime as dt
from pathlib import Path

from django.utils import timezone

from accounts.models import User
from proposals.models import Status
from proposals.services import kamus_import, kamus_rows_read
from rounds.models import Round

from .models import STAGE_ORDER, Forum, JourneyStep, Recommendation, Stage
from .services import (
    JourneyError,
    forum_candidates,
    forum_save,
    journey_apply_published_results,
    journey_step_record,
    proposal_carry_over,
)

KAMUS_DEMO = Path(__file__).resolve().parent / "data" / "kamus_demo.csv"
GUNUNG_BAHAGIA = "64.71.05.1006"
REASONS = {
    Stage.KECAMATAN: "Disepakati forum Musrenbang Kecamatan Balikpapan Selatan.",
    Stage.KOTA: "Masuk daftar prioritas Musrenbang Kota.",
    Stage.RENJA: "Masuk Renja OPD tahun berikutnya.",
    Stage.RKPD: "Tercantum dalam RKPD.",
    Stage.BUDGETED: "Dianggarkan dalam APBD.",
    Stage.BUILDING: "Kontrak pekerjaan ditandatangani.",
    Stage.DONE: "Pekerjaan selesai dan diserahterimakan.",
}


def seed_kamus() -> int:
    report = kamus_import(rows=kamus_rows_read(KAMUS_DEMO.read_text(encoding="utf-8")))
    return report.stored


def _forum(round_: Round, lpm: User, held: dt.datetime, men: int, women: int) -> Forum | None:
    existing = Forum.objects.filter(round=round_, level="kelurahan", kelurahan_id=GUNUNG_BAHAGIA).first()
    if existing is not None:
        return existing
    forum = Forum(round=round_, level="kelurahan", kelurahan_id=GUNUNG_BAHAGIA)
    priorities = list(forum_candidates(forum=forum).filter(
        status__in=[Status.FEASIBLE, Status.SELECTED, Status.IN_PROGRESS, Status.COMPLETED])[:5])
    # A past year's forum: its priorities join the journey, and nobody is told of them now.
    return forum_save(forum=forum, actor=lpm, priorities=priorities, held_at=held, notify=False,
                      place="Aula Kantor Kelurahan Gunung Bahagia, Jl. Sepinggan Baru",
                      officers="Pimpinan sidang: Ketua LPM Gunung Bahagia\nNotulis: Sekretaris Kelurahan\n"
                               "Narasumber: Bappeda Kota Balikpapan",
                      attendance_men=men, attendance_women=women,
                      delegates="Siti Aminah (PKK)\nAndi Pratama (Karang Taruna)\nH. Ruslan (tokoh masyarakat)",
                      notes="Data demo.")


# Enough for every nasib page to show realised usulan; each walk records up to six steps through
# the journey service (the tests seed the demo once per session: tests/conftest.py, demo_copy).
WALKED_AT_MOST = 24


def _walk_completed(round_: Round, admin: User) -> int:
    """Completed demo projects of the round travel the whole way, so "nasib usulan" has realised ones."""
    walked = 0
    projects = round_.proposals.filter(status__in=[Status.COMPLETED, Status.IN_PROGRESS]).order_by("pk")
    for proposal in projects[:WALKED_AT_MOST]:
        last = Stage.DONE if proposal.status == Status.COMPLETED else Stage.BUILDING
        for stage in STAGE_ORDER[STAGE_ORDER.index(Stage.KECAMATAN):STAGE_ORDER.index(last) + 1]:
            try:
                journey_step_record(proposal=proposal, stage=stage, recommendation=Recommendation.ACCEPTED,
                                    reason=REASONS[stage], actor=admin, notify=False)
            except JourneyError:
                break  # not at this stage (its area's vote was the kecamatan or city forum)
        walked += 1
    return walked


def seed(*, users: dict[str, User], size: str, stdout) -> None:
    stored = seed_kamus()
    stdout.write(f"Kamus usulan: {stored} item (harga contoh untuk demo, bukan SSH/HSPK resmi).")
    round_2026 = Round.objects.filter(slug="ap-2026").first()
    round_2027 = Round.objects.filter(slug="ap-2027").first()
    round_2028 = Round.objects.filter(slug="ap-2028").first()
    if round_2026 is None or JourneyStep.objects.exists():
        return
    lpm, admin = users["lpm@demo.local"], users["admin@demo.local"]
    # The published 2026 results move funded usulan on; that year is history, so nobody is notified.
    moved = journey_apply_published_results(notify=False)
    walked = _walk_completed(round_2026, admin)
    wita = timezone.get_current_timezone()
    _forum(round_2026, lpm, dt.datetime(2025, 1, 14, 9, 0, tzinfo=wita), 38, 27)
    if round_2027 is not None:
        _forum(round_2027, lpm, dt.datetime(2026, 1, 13, 9, 0, tzinfo=wita), 41, 33)
    carried = 0
    if round_2028 is not None:
        unfunded = round_2026.proposals.filter(status=Status.NOT_SELECTED, area__kelurahan_id=GUNUNG_BAHAGIA).first()
        if unfunded is not None:
            proposal_carry_over(proposal=unfunded, to_round=round_2028, actor=lpm)
            carried = 1
    stdout.write(f"Musrenbang: {moved} usulan didanai dipindah ke tahap berikutnya, {walked} berjalan sampai "
                 f"pelaksanaan, forum Kelurahan Gunung Bahagia, {carried} usulan dilanjutkan ke ap-2028.")
