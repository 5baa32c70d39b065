"""Demo ballots and a published tally for the round in its results phase (seed_demo).

ap-2027 (voting) is left open for warga@demo.local and warga2@demo.local to vote in.
"""

from __future__ import annotations

import random

from django.utils import timezone

from balikpapan_pb.shared_pages import rows_changed
from proposals.services import proposals_settle_result
from rounds.models import BallotType, Round
from wilayah.models import Kecamatan

from . import pabulib_io, selectors, services
from .models import Ballot, Channel, Participation, ResultSnapshot

RESULTS_ROUND = "ap-2026"
VOTERS = {"small": 300, "large": 3000}
AGE_BANDS = ["17-24", "25-34", "35-44", "45-54", "55+"]


def seed(*, users, size: str, stdout) -> None:
    round_ = Round.objects.filter(slug=RESULTS_ROUND).first()
    if round_ is None:
        stdout.write(f"voting: no round {RESULTS_ROUND!r} to fill with ballots; skipped.")
        return
    if Ballot.objects.filter(round=round_).exists():
        return
    rng = random.Random(2026)
    places = random.Random(7)  # apart from rng, so the demo's ballots stay what they were
    kecamatans = sorted(Kecamatan.objects.values_list("pk", flat=True))
    total = 0
    for area in round_.areas.all():
        costs = selectors.ballot_project_costs(area)
        if not costs:
            continue
        # Some projects are simply more popular: weight them so the results have a shape.
        ids = sorted(costs)
        weights = {pid: rng.uniform(0.2, 1.0) for pid in ids}
        participations, ballots = [], []
        voters = VOTERS.get(size, 300) // (1 if area.level == "kota" else 3)
        for n in range(voters):
            hashed = pabulib_io.pseudo_nik_hash(slug=f"demo-{round_.slug}-{area.code}", voter_id=str(n))
            choices = _choices(rng, round_, area.budget, costs, ids, weights)
            participations.append(Participation(
                round=round_, area=area, nik_hash=hashed, channel=Channel.PAPER if n % 7 == 0 else Channel.ONLINE,
                age_band=rng.choice(AGE_BANDS), gender=rng.choice("LP"),
                # City-level voters live somewhere too: in one of the kecamatan, never "unknown".
                kecamatan_id=(area.kelurahan_id or "")[:8] or area.kecamatan_id or places.choice(kecamatans),
            ))
            ballots.append((hashed, choices))
        Participation.objects.bulk_create(participations, batch_size=2000)
        rows_changed(Participation)
        # Through pending ballots and the closing mix, as real votes go: written in the order of
        # the participations, the table would pair them in any dump.
        total += services.pending_ballots_bulk_create(area=area, ballots=ballots)
        services.ballots_mix(area=area, closing=True)
        snapshot = services.area_tally(round=round_, area=area, rule=round_.tally_rule)
        services.snapshot_freeze(snapshot=snapshot)  # published with its ballot file, as snapshot_publish does
        ResultSnapshot.objects.filter(pk=snapshot.pk, published_at__isnull=True).update(published_at=timezone.now())
        rows_changed(ResultSnapshot)
        proposals_settle_result(round_id=round_.pk, area_id=area.pk, actor=None,
                                selected_ids=[str(i) for i in snapshot.result.get("selected", [])])
    # Published as round_publish does, without telling the demo residents (nobody voted for real).
    Round.objects.filter(pk=round_.pk).update(results_published_at=timezone.now())
    rows_changed(Round)
    stdout.write(f"voting: {total} demo ballots and published results for {round_.slug}.")


def _choices(rng, round_, budget, costs, ids, weights):
    if rng.random() < 0.03:
        return {} if round_.ballot_type == BallotType.CUMULATIVE else []
    order = sorted(ids, key=lambda pid: -weights[pid] * rng.random())
    if round_.ballot_type == BallotType.KNAPSACK:
        picked, spent = [], 0
        for pid in order:
            if spent + costs[pid] <= budget and rng.random() < 0.7:
                picked.append(pid)
                spent += costs[pid]
        return sorted(picked)
    if round_.ballot_type == BallotType.APPROVAL:
        return sorted(order[: rng.randint(1, max(1, min(round_.max_choices, len(order))))])
    if round_.ballot_type == BallotType.RANKED:
        return order[: rng.randint(1, max(1, min(round_.max_choices, len(order))))]
    left, points = round_.points, {}
    for pid in order:
        if left <= 0:
            break
        give = rng.randint(1, left)
        points[pid] = give
        left -= give
    return dict(sorted(points.items()))
