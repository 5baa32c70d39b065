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
    today = timezone.localdate()
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
                choices=choices, blank=not choices, receipt_code=new_receipt_code(), cast_on=today,
            )
        )
        if len(ballot_rows) >= BATCH:
            _flush(participations, ballot_rows)
    _flush(participations, ballot_rows)
    return round_


def _flush(participations: list, ballots: list) -> None:
    Participation.objects.bulk_create(participations, batch_size=BATCH)
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
    """The anonymised ballots of an area as a .pb file: voter id = receipt code, no personal data."""
    from voting.tally import PabulibInstance, write_pabulib

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
