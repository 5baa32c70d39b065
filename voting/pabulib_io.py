"""Moving pabulib instances in and out of the database: imports, exports and the tally JSON.

The format work itself is in voting.tally (pure); this module maps it onto rounds, areas,
proposals, participations and ballots.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from balikpapan_pb.shared_pages import rows_changed
from proposals.models import Proposal, Status
from rounds.models import Add1Stop, Area, AreaLevel, BallotType, Category, Phase, Round, TallyRule

from .models import Ballot, Channel, Participation, ResultSnapshot, new_receipt_code
from .selectors import voter_key

BATCH = 5000
_VOTE_TYPES = {
    "approval": BallotType.APPROVAL, "choose-1": BallotType.APPROVAL, "ordinal": BallotType.RANKED,
    "cumulative": BallotType.CUMULATIVE, "scoring": BallotType.CUMULATIVE,
}


def rule_from_meta(meta: dict) -> str:
    rule = meta.get("rule", "").lower()
    if "equalshares" in rule or "mes" in rule:
        return TallyRule.MES
    if meta.get("vote_type", "").lower() == "ordinal" and "borda" in rule:
        return TallyRule.BORDA
    return TallyRule.GREEDY


def pseudo_nik_hash(*, slug: str, voter_id: str) -> str:
    """A stand-in for an imported voter's NIK hash: stable per file voter, never a real NIK."""
    return hashlib.sha256(f"pabulib|{slug}|{voter_id}".encode()).hexdigest()


def free_slug(base: str) -> str:
    base = slugify(base)[:70] or "pabulib"
    slug, n = base, 2
    while Round.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def instance_import(*, instance, source_name: str, slug: str | None = None, add1_stop: str | None = None) -> Round:
    meta = instance.meta
    vote_type = instance.vote_type
    if vote_type not in _VOTE_TYPES:
        raise ValueError(f"unsupported pabulib vote_type {vote_type!r}")
    ballot_type = _VOTE_TYPES[vote_type]
    ballots = instance.to_ballots()
    n_projects = len(instance.projects)
    if ballot_type == BallotType.APPROVAL:
        max_choices = int(meta.get("max_length") or n_projects)
    elif ballot_type == BallotType.RANKED:
        max_choices = ballots.effective_max_rank()
    else:
        max_choices = n_projects
    points = 10
    if ballot_type == BallotType.CUMULATIVE:
        points = int(meta.get("max_sum_points") or max((sum(b.values()) for b in ballots.items), default=10))
    year_match = re.search(r"(19|20)\d\d", " ".join([meta.get("instance", ""), meta.get("date_begin", ""), source_name]))
    round_ = Round.objects.create(
        name=(meta.get("description") or source_name)[:150],
        year=int(year_match.group(0)) if year_match else timezone.localdate().year,
        slug=slug if slug else free_slug(source_name),
        description=f"Imported from pabulib: {source_name}",
        ballot_type=ballot_type,
        max_choices=max(1, min(max_choices, 32000)),
        points=max(1, min(points, 32000)),
        tally_rule=rule_from_meta(meta),
        # The file does not say when its add1 loop stopped: pabutools' stop unless told otherwise.
        add1_stop=add1_stop or Add1Stop.EXHAUSTIVE,
        phase=Phase.TALLYING,
        phase_changed_at=timezone.now(),
    )
    area = Area.objects.create(
        round=round_, level=AreaLevel.KOTA, code=(meta.get("unit") or meta.get("instance") or "pabulib")[:64],
        name=(meta.get("unit") or meta.get("subunit") or source_name)[:150], budget=instance.budget,
    )
    category = Category.objects.order_by("order").first() or Category.objects.create(
        slug="fasilitas-umum", name="Fasilitas umum", name_en="Public facilities"
    )
    Proposal.objects.bulk_create(
        [
            Proposal(
                round=round_, area=area, category=category, title=(row.get("name") or f"Proyek {pid}")[:140],
                description=row.get("description", "") or row.get("name", "") or pid,
                estimated_cost=project.cost, status=Status.FEASIBLE, external_id=pid,
            )
            for (pid, row), project in zip(instance.projects.items(), instance.project_list(), strict=True)
        ],
        batch_size=BATCH,
    )
    rows_changed(Proposal)
    participations, ballot_rows = [], []
    for voter_id, item in zip(instance.votes, ballots.items, strict=True):
        hashed = pseudo_nik_hash(slug=round_.slug, voter_id=voter_id)
        if ballot_type == BallotType.CUMULATIVE:
            choices = {pid: pts for pid, pts in sorted(item.items()) if pts}
        elif ballot_type == BallotType.RANKED:
            choices = list(item)
        else:
            choices = sorted(set(item))
        participations.append(Participation(round=round_, area=area, nik_hash=hashed, channel=Channel.PAPER))
        ballot_rows.append(
            Ballot(
                round=round_, area=area, voter_key=voter_key(nik_hash=hashed, round_id=round_.pk, area_id=area.pk),
                choices=choices, blank=not choices, receipt_code=new_receipt_code(),
            )
        )
        if len(ballot_rows) >= BATCH:
            _flush(participations, ballot_rows)
    _flush(participations, ballot_rows)
    return round_


def _flush(participations: list, ballots: list) -> None:
    Participation.objects.bulk_create(participations, batch_size=BATCH)
    rows_changed(Participation)
    Ballot.objects.bulk_create(ballots, batch_size=BATCH)
    participations.clear()
    ballots.clear()


def tally_json(*, round: Round, rule: str, snapshots: list[ResultSnapshot]) -> dict:
    """The shape of SPEC section 7, nothing more."""
    by_area = {s.area_id: s for s in snapshots}
    areas = []
    for area in round.areas.order_by("level", "code"):
        snap = by_area.get(area.pk)
        if snap is None:
            continue
        result = snap.result
        areas.append({
            "area": area.code,
            "budget": int(area.budget),
            "selected": list(result["selected"]),
            "input_hash": snap.input_hash,
            "projects": [
                {"id": p["id"], "cost": int(p["cost"]), "votes": p["votes"], "selected": bool(p["selected"]),
                 "reason_id": p["reason_id"], "reason_en": p["reason_en"]}
                for p in result["projects"]
            ],
        })
    return {"round": round.slug, "rule": rule, "areas": areas}


def area_export(*, area: Area, path: str | Path) -> int:
    """The anonymised ballots of an area as a .pb file: voter id = receipt code, no personal data.
    Once a result of the area is published, the file frozen with it."""
    from voting.tally import PabulibInstance, write_pabulib

    from .models import FrozenResult

    frozen = (FrozenResult.objects.filter(snapshot__area=area, snapshot__published_at__isnull=False)
              .order_by("-snapshot__published_at", "-snapshot_id").first())
    if frozen is not None:  # a published area: exactly the file its result was computed from
        Path(path).write_text(frozen.ballots_pb, encoding="utf-8")
        return frozen.snapshot.voters
    round_ = area.round
    vote_type = {BallotType.RANKED: "ordinal", BallotType.CUMULATIVE: "cumulative"}.get(round_.ballot_type, "approval")
    meta = {
        "description": round_.name, "country": "Indonesia", "unit": area.name, "instance": round_.slug,
        "subunit": area.code, "budget": str(area.budget), "vote_type": vote_type,
        "rule": {"mes": "equalshares/add1", "borda": "greedy"}.get(round_.tally_rule, "greedy"),
    }
    if round_.ballot_type in (BallotType.APPROVAL, BallotType.RANKED):
        meta["max_length"] = str(round_.max_choices)
    if round_.ballot_type == BallotType.CUMULATIVE:
        meta["max_sum_points"] = str(round_.points)
    if round_.ballot_type == BallotType.KNAPSACK:
        meta["max_sum_cost"] = str(area.budget)
    published = (
        ResultSnapshot.objects.filter(area=area, rule=round_.tally_rule, published_at__isnull=False)
        .order_by("-published_at").first()
    )
    selected = set(published.result["selected"]) if published else None
    instance = PabulibInstance(meta=meta)
    from .selectors import ballot_projects

    for p in ballot_projects(area):
        row = {"project_id": p.project_id, "cost": str(p.ballot_cost), "name": p.title, "category": p.category_id}
        if selected is not None:
            row["selected"] = "1" if p.project_id in selected else "0"
        instance.projects[p.project_id] = row
    # Sorted by the random receipt code: the file's order says nothing about when anyone voted.
    rows = Ballot.objects.filter(area=area).order_by("receipt_code").values_list("receipt_code", "choices")
    for code, choices in rows.iterator(chunk_size=BATCH):
        row = {"voter_id": code}
        if round_.ballot_type == BallotType.CUMULATIVE:
            row["vote"] = ",".join(choices)
            row["points"] = ",".join(str(v) for v in choices.values())
        else:
            row["vote"] = ",".join(choices)
        instance.votes[code] = row
    write_pabulib(instance, path)
    return len(instance.votes)


# --- the ballot file a published result is frozen with -----------------------------------------

PB_MISMATCH = _(
    "Hasil ini tidak dapat diumumkan: surat suara saat ini tidak menghasilkan hasil rekapitulasi yang sama "
    "(hash masukan berbeda). Jalankan rekapitulasi lagi, lalu umumkan hasil yang baru."
)


def snapshot_pb_text(snapshot: ResultSnapshot) -> str:
    """The projects of a snapshot and the anonymised ballots of its area as a `.pb` file: voter id
    = receipt code, no personal data. Its META says how to count it again (`ballot_type`, `rule`,
    `add1_stop`) and which `input_hash` that count gives."""
    import tempfile

    from voting.tally import PabulibInstance, write_pabulib

    round_, area = snapshot.round, snapshot.area
    kind = round_.ballot_type
    result = snapshot.result
    meta = {
        "description": f"Suara Warga Balikpapan: {round_.name}, {area.name}",
        "country": "Indonesia", "unit": "Balikpapan", "subunit": area.name,
        "instance": str(round_.year), "district": area.code,
        "budget": str(result.get("budget", area.budget)),
        "vote_type": {"approval": "approval", "knapsack": "approval", "ranked": "ordinal"}.get(kind, "cumulative"),
        "rule": snapshot.rule, "currency": "IDR", "language": "id", "ballot_type": kind,
        "add1_stop": round_.add1_stop, "input_hash": snapshot.input_hash,
    }
    if kind == BallotType.RANKED:
        meta["max_length"] = str(round_.max_choices)
    instance = PabulibInstance(meta=meta)
    proposals = {p.project_id: p for p in Proposal.objects.filter(round=round_, area=area)}
    for line in sorted(result.get("projects", []), key=lambda p: (p.get("rank", 0), str(p["id"]))):
        pid, proposal = str(line["id"]), proposals.get(str(line["id"]))
        instance.projects[pid] = {
            "project_id": pid, "cost": str(line["cost"]), "votes": str(line.get("votes", 0)),
            "selected": str(int(bool(line.get("selected")))),
            "name": proposal.title if proposal else "", "category": proposal.category_id if proposal else "",
            "latitude": "" if proposal is None or proposal.latitude is None else f"{proposal.latitude:.6f}",
            "longitude": "" if proposal is None or proposal.longitude is None else f"{proposal.longitude:.6f}",
        }
    # Sorted by the random receipt code: the file's order says nothing about when anyone voted.
    rows = Ballot.objects.filter(round=round_, area=area).order_by("receipt_code").values_list("receipt_code", "choices")
    for code, choices in rows.iterator(chunk_size=BATCH):
        row = {"voter_id": code}
        if isinstance(choices, dict):
            given = [(str(pid), pts) for pid, pts in choices.items() if pts]
            row["vote"] = ",".join(pid for pid, _ in given)
            row["points"] = ",".join(str(pts) for _, pts in given)
        else:
            row["vote"] = ",".join(str(pid) for pid in (choices or []))
        instance.votes[code] = row
    # write_pabulib writes to a path (it is the file format's one writer); a temporary one keeps it so.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "surat-suara.pb"
        write_pabulib(instance, path)
        return path.read_text(encoding="utf-8")


def pb_recount(text: str):
    """Counts a `.pb` written by snapshot_pb_text again, as anyone can: the TallyResult, whose
    `input_hash` must be the published one."""
    from voting.tally import Ballots, parse_pabulib, tally

    instance = parse_pabulib(text)
    meta = instance.meta
    kind = meta.get("ballot_type") or {"ordinal": "ranked", "cumulative": "cumulative"}.get(instance.vote_type, "approval")
    read = instance.to_ballots()
    ballots = Ballots(kind=kind, items=read.items, max_rank=read.max_rank if kind == BallotType.RANKED else None)
    return tally(rule=meta["rule"], budget=instance.budget, projects=instance.project_list(), ballots=ballots,
                 add1_stop=meta.get("add1_stop") or Add1Stop.EXHAUSTIVE)


def pb_matches(*, text: str, snapshot: ResultSnapshot) -> bool:
    """Whether counting the file gives back exactly the snapshot (its input hash and every figure)."""
    recount = pb_recount(text)
    return recount.input_hash == snapshot.input_hash and recount.to_dict() == snapshot.result
