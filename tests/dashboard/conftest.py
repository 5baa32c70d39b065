"""A round with published results, built the way voting builds it: participations, ballots, tally, publish."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from accounts.identity import nik_hash
from accounts.models import Role, User
from proposals.models import Proposal, Status
from rounds.models import Area, AreaLevel, BallotType, Category, Phase, Round, TallyRule
from tests.factories import UserFactory, make_nik
from voting import selectors as voting_selectors
from voting import services as voting_services
from voting.models import Ballot, Channel, Participation, ResultSnapshot
from wilayah.models import Kelurahan
from wilayah.services import wilayah_ensure

GUNUNG_BAHAGIA = "64.71.05.1006"  # Balikpapan Utara
BATU_AMPAR = "64.71.03.1001"
AGE_BANDS = ["17-24", "25-34", "35-44", "45-54", "55+"]


@dataclass
class Built:
    round: Round
    area: Area
    other_area: Area
    proposals: list[Proposal]
    people: list[tuple[User, str]] = field(default_factory=list)  # (user, NIK)
    snapshot: ResultSnapshot | None = None


def _categories() -> tuple[Category, Category]:
    roads, _ = Category.objects.get_or_create(
        slug="jalan-jembatan", defaults={"name": "Jalan dan jembatan", "name_en": "Roads and bridges", "color": "#b5651d"}
    )
    drains, _ = Category.objects.get_or_create(
        slug="drainase", defaults={"name": "Drainase dan pengendalian banjir", "name_en": "Drainage", "color": "#1f77b4"}
    )
    return roads, drains


def build_round(
    *,
    slug: str = "ap-dash",
    projects: int = 5,
    voters: int = 40,
    ballot_type: str = BallotType.APPROVAL,
    rule: str = TallyRule.GREEDY,
    real_people: bool = False,
    publish: bool = True,
    seed: int = 7,
    year: int = 2026,
    kelurahan: str = GUNUNG_BAHAGIA,
    other_kelurahan: str = BATU_AMPAR,
) -> Built:
    """A round in its results phase: a kelurahan area (Gunung Bahagia unless told) with `voters` ballots, tallied and published.

    With `real_people`, every voter is a registered user with a name, email, phone and NIK,
    so exports can be scanned for them.
    """
    wilayah_ensure()
    rng = random.Random(seed)
    roads, drains = _categories()
    round_ = Round.objects.create(
        name=f"Anggaran Partisipatif {year}", year=year, slug=slug, ballot_type=ballot_type, tally_rule=rule,
        phase=Phase.RESULTS, max_choices=3,
    )
    kel = Kelurahan.objects.get(code=kelurahan)
    area = Area.objects.create(round=round_, level=AreaLevel.KELURAHAN, kelurahan=kel, code=kel.code, name=kel.name,
                               budget=1_000_000_000)
    other_kel = Kelurahan.objects.get(code=other_kelurahan)
    other = Area.objects.create(round=round_, level=AreaLevel.KELURAHAN, kelurahan=other_kel, code=other_kel.code,
                                name=other_kel.name, budget=800_000_000)
    costs = [450_000_000, 300_000_000, 250_000_000, 120_000_000, 80_000_000, 60_000_000, 200_000_000]
    proposals = Proposal.objects.bulk_create([
        Proposal(round=round_, area=area, category=roads if n % 2 else drains, title=f"Semenisasi gang nomor {n}",
                 description="Jalan lingkungan rusak.", estimated_cost=costs[n % len(costs)] + n * 1000,
                 status=Status.FEASIBLE, latitude=-1.24 + n / 1000, longitude=116.85 + n / 1000,
                 address=f"Jl. Mulawarman Gg. {n}")
        for n in range(projects)
    ])
    Proposal.objects.create(round=round_, area=other, category=roads, title=f"Lampu jalan {other_kel.name}",
                            description="Gelap.", estimated_cost=90_000_000, status=Status.FEASIBLE)
    built = Built(round=round_, area=area, other_area=other, proposals=proposals)

    ids = [str(p.pk) for p in proposals]
    weights = [rng.uniform(0.2, 1.0) for _ in ids]
    participations, ballots = [], []
    people_rows = []
    for n in range(voters):
        if real_people:
            nik = make_nik(birth=dt.date(1970 + n % 30, 1 + n % 12, 1 + n % 27), female=bool(n % 2))
            people_rows.append((UserFactory.build(
                full_name=f"Rahmat Hidayat Sulistyo{n}", email=f"rahmat.sulistyo{n}@contoh-warga.id",
                phone=f"+62812{5550000 + n}", kelurahan=kel, nik_hash=nik_hash(nik),
            ), nik))
            hashed = nik_hash(nik)
        else:
            hashed = f"{slug}-voter-{n:06d}".ljust(64, "0")
        picks = sorted({ids[i] for i in range(len(ids)) if rng.random() < weights[i]})[:3] if ids else []
        if ballot_type == BallotType.KNAPSACK:
            cost = {str(p.pk): p.cost for p in proposals}
            chosen, total = [], 0
            for pid in picks:
                if total + cost[pid] <= area.budget:
                    chosen.append(pid)
                    total += cost[pid]
            picks = chosen
        participations.append(Participation(
            round=round_, area=area, nik_hash=hashed, channel=Channel.PAPER if n % 9 == 0 else Channel.ONLINE,
            age_band=AGE_BANDS[n % 5], gender="LP"[n % 2], kecamatan_id=kel.kecamatan_id,
        ))
        ballots.append(Ballot(round=round_, area=area, choices=picks, blank=not picks,
                              voter_key=voting_selectors.voter_key(nik_hash=hashed, round_id=round_.pk, area_id=area.pk)))
    if real_people:
        for user, _nik in people_rows:
            user.set_password("rahasia-123")
        User.objects.bulk_create([u for u, _ in people_rows])
        built.people = people_rows
    Participation.objects.bulk_create(participations, batch_size=2000)
    Ballot.objects.bulk_create(ballots, batch_size=2000)
    built.snapshot = voting_services.area_tally(round=round_, area=area, rule=rule)
    voting_services.area_tally(round=round_, area=other, rule=rule)
    if publish:
        publish_built(built)
    return built


def publish_built(built: Built) -> None:
    """Published as snapshot_publish does: frozen with its ballot file (the round is seeded in place)."""
    voting_services.snapshot_freeze(snapshot=built.snapshot)
    ResultSnapshot.objects.filter(pk=built.snapshot.pk).update(published_at=timezone.now())
    built.snapshot.refresh_from_db()


@pytest.fixture
def published(db):
    return build_round()


@pytest.fixture
def council_user(db):
    return UserFactory(role=Role.COUNCIL)


@pytest.fixture
def admin_user(db):
    return UserFactory(role=Role.ADMIN, is_staff=True)


@pytest.fixture
def verifikator(db):
    return UserFactory(role=Role.VERIFIKATOR)
