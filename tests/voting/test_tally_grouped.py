"""Reading an area's ballots grouped by PostgreSQL gives the tally that one row per ballot gives."""

import pytest

from rounds.models import Phase
from voting import selectors, services
from voting.tally import Project, tally

from .conftest import make_round, project_ids, resident_with_nik

pytestmark = pytest.mark.django_db


def test_grouped_reading_gives_the_same_ballots_and_the_same_tally():
    round_ = make_round(phase=Phase.VOTING)
    area = round_.test_areas["kel"]
    ids = project_ids(area)
    picks = [[ids[4], ids[3]], [ids[4], ids[3]], [ids[3], ids[4]], [ids[1]], [ids[1]], [ids[1]], [ids[0], ids[2]]]
    for choice in picks:
        user, _nik = resident_with_nik()
        services.ballot_cast(voter=user, area=area, choices=choice)
    round_.phase = Phase.TALLYING
    round_.save()
    services.ballots_mix(area=area, closing=True)  # as area_tally does before reading

    one_per_row = services.area_ballots(round=round_, area=area)
    grouped = services.area_ballot_groups(round=round_, area=area)
    assert grouped.voter_count == one_per_row.voter_count == len(picks)
    assert len(grouped.items) < len(one_per_row.items)
    assert sorted(grouped.one_per_voter()) == sorted(one_per_row.items)

    projects = [Project(pid, int(cost)) for pid, cost in sorted(selectors.ballot_project_costs(area).items())]
    for rule in ("mes", "greedy"):
        wanted = tally(rule=rule, budget=area.budget, projects=projects, ballots=one_per_row)
        got = tally(rule=rule, budget=area.budget, projects=projects, ballots=grouped)
        assert got.to_dict() == wanted.to_dict() and got.input_hash == wanted.input_hash
