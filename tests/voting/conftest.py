"""A round in the voting phase with a kelurahan, a kecamatan and a city area, each with projects."""

import datetime as dt

import pytest

from accounts.identity import nik_hash
from accounts.models import Role
from proposals.models import BALLOT_STATUSES, Proposal, Status
from rounds.models import Area, AreaLevel, BallotType, Category, Phase, Round
from tests.factories import UserFactory, make_nik
from wilayah.models import Kelurahan
from wilayah.services import wilayah_ensure

GUNUNG_BAHAGIA = "64.71.05.1006"
BATU_AMPAR = "64.71.03.1001"


def make_round(*, ballot_type=BallotType.KNAPSACK, phase=Phase.VOTING, slug="ap-test", **kwargs) -> Round:
    wilayah_ensure()
    round_ = Round.objects.create(
        name="Anggaran Partisipatif Uji", year=2027, slug=slug, ballot_type=ballot_type, phase=phase, **kwargs
    )
    kel = Kelurahan.objects.get(code=GUNUNG_BAHAGIA)
    # transactional tests flush the data migration's categories
    category, _ = Category.objects.get_or_create(slug="jalan-jembatan", defaults={"name": "Jalan dan jembatan", "name_en": "Roads and bridges"})
    areas = {
        "kel": Area.objects.create(round=round_, level=AreaLevel.KELURAHAN, kelurahan=kel, code=kel.code, name=kel.name, budget=1_000_000_000),
        "kec": Area.objects.create(round=round_, level=AreaLevel.KECAMATAN, kecamatan=kel.kecamatan, code=kel.kecamatan.code, name=kel.kecamatan.name, budget=3_000_000_000),
        "kota": Area.objects.create(round=round_, level=AreaLevel.KOTA, code="64.71", name="Kota Balikpapan", budget=10_000_000_000),
        "other": Area.objects.create(
            round=round_, level=AreaLevel.KELURAHAN, kelurahan=Kelurahan.objects.get(code=BATU_AMPAR),
            code=BATU_AMPAR, name="Batu Ampar", budget=1_000_000_000,
        ),
    }
    costs = [450_000_000, 300_000_000, 250_000_000, 120_000_000, 80_000_000]
    for key, area in areas.items():
        for n, cost in enumerate(costs, start=1):
            Proposal.objects.create(
                round=round_, area=area, category=category, title=f"Proyek {key} {n}", description="Uji",
                estimated_cost=cost, status=Status.FEASIBLE,
            )
        Proposal.objects.create(
            round=round_, area=area, category=category, title=f"Ditolak {key}", description="Uji",
            estimated_cost=10_000_000, status=Status.REJECTED,
        )
    round_.test_areas = areas
    return round_


def project_ids(area: Area) -> list[str]:
    """Ballot project ids of an area, cheapest first."""
    # Publication settles them to SELECTED or NOT_SELECTED; they stay the ballot's projects.
    return [str(pk) for pk in Proposal.objects.filter(area=area, status__in=BALLOT_STATUSES).order_by("estimated_cost").values_list("pk", flat=True)]


@pytest.fixture
def voting_round(db):
    return make_round()


@pytest.fixture
def kel_area(voting_round):
    return voting_round.test_areas["kel"]


@pytest.fixture
def resident(db):
    return UserFactory(kelurahan=Kelurahan.objects.get(code=GUNUNG_BAHAGIA), residence_verified_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))


@pytest.fixture
def moderator(db):
    wilayah_ensure()
    user = UserFactory(role=Role.MODERATOR)
    user.moderated_kelurahan.add(Kelurahan.objects.get(code=GUNUNG_BAHAGIA))
    return user


@pytest.fixture
def admin_user(db):
    return UserFactory(role=Role.ADMIN, is_staff=True)


@pytest.fixture
def council_user(db):
    return UserFactory(role=Role.COUNCIL)


def resident_with_nik(*, kelurahan_code: str = GUNUNG_BAHAGIA, birth: dt.date = dt.date(1990, 1, 15)):
    """A registered resident and the NIK they registered with (for paper ballots)."""
    nik = make_nik(birth=birth)
    user = UserFactory(kelurahan=Kelurahan.objects.get(code=kelurahan_code), birth_date=birth, nik_hash=nik_hash(nik))
    return user, nik


def stored_ballots(area: Area) -> list:
    """Every ballot of an area as the tally counts it: the mixed ones and the pending ones
    (opened with BALLOT_KEY, as only the server can)."""
    from voting.models import Ballot, PendingBallot
    from voting.selectors import OwnBallot, pending_open

    mixed = [OwnBallot(voter_key=b.voter_key, receipt_code=b.receipt_code, choices=b.choices, blank=b.blank, mixed=True)
             for b in Ballot.objects.filter(area=area)]
    return mixed + [OwnBallot(**pending_open(p), mixed=False) for p in PendingBallot.objects.filter(area=area)]
