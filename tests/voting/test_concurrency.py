"""50 submissions of one voter at once leave one ballot and one participation (real PostgreSQL)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from voting import services
from voting.models import Participation
from voting.selectors import OwnBallot

from .conftest import make_round, project_ids, resident_with_nik, stored_ballots

pytestmark = pytest.mark.django_db(transaction=True)


def _hammer(n: int, action) -> list:
    barrier = threading.Barrier(n)
    outcomes: list = []

    def worker(i: int):
        try:
            barrier.wait()
            outcomes.append(action(i))
        except Exception as error:  # noqa: BLE001 - every outcome is inspected below
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def test_fifty_concurrent_submissions_leave_one_ballot(db):
    round_ = make_round()
    area = round_.test_areas["kel"]
    user, _nik = resident_with_nik()
    ids = project_ids(area)
    outcomes = _hammer(50, lambda i: services.ballot_cast(voter=user, area=area, choices=[ids[i % 5]]))
    assert all(isinstance(o, OwnBallot) for o in outcomes), [o for o in outcomes if not isinstance(o, OwnBallot)][:3]
    assert len(stored_ballots(area)) == 1
    assert Participation.objects.filter(area=area).count() == 1
    assert len({o.receipt_code for o in outcomes}) == 1


def test_paper_and_online_at_once_leave_one_ballot(db):
    from accounts.models import Role
    from tests.factories import UserFactory
    from wilayah.models import Kelurahan

    round_ = make_round()
    area = round_.test_areas["kel"]
    user, nik = resident_with_nik()
    mod = UserFactory(role=Role.MODERATOR)
    mod.moderated_kelurahan.add(Kelurahan.objects.get(code=area.kelurahan_id))
    ids = project_ids(area)

    def action(i):
        if i % 2:
            return services.paper_ballot_enter(moderator=mod, nik=nik, area=area, choices=[ids[0]])
        return services.ballot_cast(voter=user, area=area, choices=[ids[1]])

    outcomes = _hammer(20, action)
    assert len(stored_ballots(area)) == 1
    assert Participation.objects.filter(area=area).count() == 1
    winners = [o for o in outcomes if isinstance(o, OwnBallot)]
    assert winners and all(isinstance(o, ValidationError) for o in outcomes if not isinstance(o, OwnBallot))
    channel = Participation.objects.get().channel
    # whoever won, only that channel's submissions succeeded
    assert len(winners) == (10 if channel == "online" else 1)
