"""The order of the projects on a ballot: its own for each voter, stable for one voter, one order for a forum's paper ballot."""

import datetime as dt
import re

import pytest

from proposals.models import Proposal, Status
from rounds.models import BallotType
from voting import selectors

from .conftest import make_round, project_ids, resident_with_nik

pytestmark = pytest.mark.django_db


class P:
    def __init__(self, pk):
        self.pk = pk


def test_order_differs_between_voters_and_is_stable_for_one():
    projects = [P(pk) for pk in range(1, 13)]
    orders = {tuple(p.pk for p in selectors.ballot_order(projects, seed=f"voter-{n}")) for n in range(20)}
    assert len(orders) >= 15  # 12! orders: twenty voters almost never share one
    first = [p.pk for p in selectors.ballot_order(projects, seed="voter-1")]
    assert first == [p.pk for p in selectors.ballot_order(list(reversed(projects)), seed="voter-1")]
    assert sorted(first) == list(range(1, 13))


def _titles(response) -> list[str]:
    return re.findall(r'<label class="form-check-label w-100" for="p-[^"]+">\s*<span class="fw-semibold">([^<]+)</span>',
                      response.content.decode())


def test_ballot_page_shows_each_voter_their_own_stable_order(client, voting_round, resident, kel_area):
    for n in range(10):
        Proposal.objects.create(round=kel_area.round, area=kel_area, category_id=Proposal.objects.first().category_id,
                                title=f"Proyek tambahan {n}", description="Uraian", estimated_cost=1_000_000,
                                status=Status.FEASIBLE)
    url = f"/pilih/{kel_area.round.slug}/wilayah/{kel_area.pk}/"
    client.force_login(resident)
    mine = _titles(client.get(url))
    assert len(mine) >= 10 and mine == _titles(client.get(url))
    by_cost = [p.title for p in Proposal.objects.filter(area=kel_area, status=Status.FEASIBLE).order_by("estimated_cost", "pk")]
    assert mine != by_cost
    client.force_login(resident_with_nik(birth=dt.date(1985, 3, 2))[0])
    assert _titles(client.get(url)) != mine


def test_ranked_confirmation_lists_the_choices_in_rank_order(client, resident):
    round_ = make_round(ballot_type=BallotType.RANKED, max_choices=3)
    area = round_.test_areas["kel"]
    titles = {str(p.pk): p.title for p in Proposal.objects.filter(area=area)}
    client.force_login(resident)
    url = f"/pilih/{round_.slug}/wilayah/{area.pk}/"
    shown = re.findall(r'name="rank_(\d+)"', client.get(url).content.decode())
    assert sorted(shown) == sorted(project_ids(area)) and len(shown) >= 3
    # Ranks given against the order of the projects on the form: the last one shown first.
    ranked = list(reversed(shown[:3]))
    response = client.post(url, {f"rank_{pid}": str(n) for n, pid in enumerate(ranked, start=1)})
    listed = re.findall(r"<strong>(\d)\.</strong> ([^<]+)</span>", response.content.decode())
    assert listed == [(str(n), titles[pid]) for n, pid in enumerate(ranked, start=1)]


def test_paper_areas_of_a_moderator_are_those_can_enter_paper_allows(moderator, voting_round):
    from rounds.models import Area
    from voting.services import can_enter_paper

    expected = {a.pk for a in Area.objects.filter(round=voting_round) if can_enter_paper(moderator, a)}
    assert expected and {a.pk for a in selectors.paper_areas_for(moderator)} == expected
    assert selectors.paper_areas_for(resident_with_nik()[0]) == []
