"""Reads of rounds: what the home page and the round page show."""

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from .models import Area, AreaLevel, Phase, PhaseSchedule, Round
from .phases import PHASE_ORDER

# What a visitor can do in each phase, in plain words.
PHASE_HINTS = {
    Phase.DRAFT: _("Putaran sedang dipersiapkan. Pengajuan usulan belum dibuka."),
    Phase.SUBMISSION: _("Ajukan usulan proyek untuk kelurahan Anda, lengkap dengan foto, lokasi, dan perkiraan biaya."),
    Phase.SUPPORT: _("Beri dukungan pada usulan tetangga yang Anda anggap penting, dan beri komentar."),
    Phase.REVIEW: _("LPM dan dinas teknis sedang memeriksa usulan. Pantau status dan alasannya."),
    Phase.VOTING: _("Pilih prioritas proyek di wilayah Anda dalam batas pagu anggaran."),
    Phase.TALLYING: _("Suara sedang direkapitulasi. Hasil segera diumumkan."),
    Phase.RESULTS: _("Lihat proyek yang terpilih dan alasan setiap proyek didanai atau tidak."),
    Phase.IMPLEMENTATION: _("Pantau kemajuan pembangunan proyek yang terpilih."),
}


def phase_hint(phase: str) -> str:
    return PHASE_HINTS.get(phase, "")


def _decorate(round_: Round) -> Round:
    round_.current_phase_label = round_.get_phase_display()
    round_.current_phase_hint = phase_hint(round_.phase)
    return round_


def rounds_public() -> QuerySet[Round]:
    return Round.objects.exclude(phase=Phase.DRAFT)


def rounds_for_home() -> list[Round]:
    """Public rounds, the active ones first, each with `current_phase_label` and `current_phase_hint`."""
    rounds = list(rounds_public().order_by("-year", "name")[:6])
    rounds.sort(key=lambda r: (r.phase in {Phase.RESULTS, Phase.IMPLEMENTATION}, -r.year))
    return [_decorate(r) for r in rounds]


def round_get_public(*, slug: str) -> Round:
    """The round with its schedule and areas (and proposal counts per area), 3 queries."""
    areas = Area.objects.annotate(
        proposal_count=Count("proposals", filter=~Q(proposals__status__in=["draft", "hidden"]))
    ).select_related("kecamatan", "kelurahan__kecamatan").order_by("code")
    round_ = (
        Round.objects.prefetch_related(Prefetch("schedule", queryset=PhaseSchedule.objects.order_by("start")),
                                       Prefetch("areas", queryset=areas))
        .get(slug=slug)
    )
    return _decorate(round_)


def round_timeline(round_: Round) -> list[dict]:
    """Every phase in order with its dates (if scheduled) and whether it is past, current or to come."""
    scheduled = {s.phase: s for s in round_.schedule.all()}
    current = PHASE_ORDER.index(round_.phase)
    labels = dict(Phase.choices)
    timeline = []
    for index, phase in enumerate(PHASE_ORDER):
        entry = scheduled.get(phase)
        timeline.append({
            "phase": phase, "label": labels[phase], "start": entry.start if entry else None,
            "end": entry.end if entry else None,
            "state": "past" if index < current else "current" if index == current else "future",
        })
    return timeline


def round_areas_grouped(round_: Round) -> dict[str, list[Area]]:
    groups: dict[str, list[Area]] = {AreaLevel.KOTA: [], AreaLevel.KECAMATAN: [], AreaLevel.KELURAHAN: []}
    for area in round_.areas.all():
        groups.setdefault(area.level, []).append(area)
    return groups


def round_total_budget(round_: Round) -> int:
    return sum(a.budget for a in round_.areas.all())


def round_budget_total_db(round_: Round) -> int:
    return round_.areas.aggregate(total=Sum("budget"))["total"] or 0


def area_for_kelurahan(*, round_: Round, kelurahan_id: str | None) -> Area | None:
    if not kelurahan_id:
        return None
    return Area.objects.filter(round=round_, level=AreaLevel.KELURAHAN, kelurahan_id=kelurahan_id).first()


# What moving into each phase does, for the admin's confirmation (who is told is added apart).
PHASE_ENTRY_EFFECTS = {
    Phase.SUBMISSION: _("Warga dapat mengajukan usulan."),
    Phase.SUPPORT: _("Pengajuan usulan ditutup; warga dapat memberi dukungan dan komentar."),
    Phase.REVIEW: _("Dukungan ditutup; LPM dan verifikator menilai kelayakan dan biaya usulan."),
    Phase.VOTING: _("Surat suara dikunci (jenis, wilayah, pagu dan proyeknya tidak dapat diubah lagi) "
                    "dan pemungutan suara dibuka."),
    Phase.TALLYING: _("Pemungutan suara ditutup: tidak ada surat suara baru, daring maupun kertas. "
                      "Admin menjalankan rekapitulasi."),
    Phase.RESULTS: _("Hasil rekapitulasi dapat diperiksa dan diumumkan. Hasil belum diumumkan otomatis."),
    Phase.IMPLEMENTATION: _("Tahap pelaksanaan: dinas mencatat kemajuan proyek yang didanai."),
}


def round_resident_count(round_: Round) -> int:
    """Registered residents who live inside at least one area of the round."""
    from accounts.models import User

    people = User.objects.filter(is_active=True, kelurahan__isnull=False)
    areas = list(round_.areas.all())
    if any(a.level == AreaLevel.KOTA for a in areas):
        return people.count()
    inside = Q(pk__in=[])
    for area in areas:
        if area.level == AreaLevel.KECAMATAN:
            inside |= Q(kelurahan__kecamatan_id=area.kecamatan_id)
        elif area.kelurahan_id:
            inside |= Q(kelurahan_id=area.kelurahan_id)
    return people.filter(inside).count()


def phase_move_preview(round_: Round) -> dict | None:
    """What the admin confirms before moving the round on: from, to, what happens, who is told."""
    index = PHASE_ORDER.index(round_.phase)
    if index + 1 >= len(PHASE_ORDER):
        return None
    target = PHASE_ORDER[index + 1]
    labels = dict(Phase.choices)
    notified = round_resident_count(round_) if target == Phase.VOTING else 0
    return {"from": labels[round_.phase], "to": labels[target], "target": target,
            "effect": PHASE_ENTRY_EFFECTS.get(target, ""), "notified": notified}
