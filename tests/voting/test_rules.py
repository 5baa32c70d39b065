"""Every permission of voting over the full role x phase matrix, a superuser included.

A superuser holds exactly what the admin role holds: a tally while voting is open, or a
publication before the results phase, is refused to it as to anyone (issue 11).
"""

import pytest

from accounts.models import Role
from rounds.phases import PHASE_ORDER
from tests.factories import AreaFactory, RoundFactory, UserFactory, _kelurahan

A, B, ELSEWHERE = "64.71.05.1006", "64.71.03.1001", "64.71.06.1004"
ROLES = ["anonymous", "resident_a", "resident_b", "moderator_a", "moderator_b", "council", "admin", "superuser"]
ALL = set(PHASE_ORDER)
NONE: set[str] = set()


def table(default: set[str] = NONE, **rows: set[str]) -> dict[str, set[str]]:
    expected = {role: rows.get(role, default) for role in ROLES}
    expected["superuser"] = expected["admin"]
    return expected


EXPECTED = {
    "voting.vote": table(resident_a={"voting"}, moderator_a={"voting"}),
    "voting.enter_paper_ballot": table(moderator_a={"voting"}),
    "voting.view_tally": table(council=ALL, admin=ALL),
    "voting.run_tally": table(admin={"tallying", "results"}),
    "voting.publish_result": table(admin={"results"}),
}
AREA_OBJECT = {"voting.vote", "voting.enter_paper_ballot"}


@pytest.fixture
def people(db):
    from django.contrib.auth.models import AnonymousUser

    def user(role=Role.CITIZEN, kelurahan=A, **kwargs):
        return UserFactory(role=role, kelurahan=_kelurahan(kelurahan), **kwargs)

    users = {
        "anonymous": AnonymousUser(),
        "resident_a": user(), "resident_b": user(kelurahan=B),
        "moderator_a": user(Role.MODERATOR), "moderator_b": user(Role.MODERATOR, kelurahan=B),
        "council": user(Role.COUNCIL, kelurahan=ELSEWHERE),
        "admin": user(Role.ADMIN, kelurahan=ELSEWHERE, is_staff=True),
        "superuser": user(kelurahan=ELSEWHERE, is_staff=True, is_superuser=True),
    }
    users["moderator_a"].moderated_kelurahan.add(_kelurahan(A))
    users["moderator_b"].moderated_kelurahan.add(_kelurahan(B))
    return users


@pytest.mark.parametrize("phase", PHASE_ORDER)
@pytest.mark.parametrize("permission", list(EXPECTED))
def test_permission_matrix(people, permission, phase):
    round_ = RoundFactory(phase=phase)
    area = AreaFactory(round=round_)
    target = area if permission in AREA_OBJECT else round_
    actual = {role: people[role].has_perm(permission, target) for role in ROLES}
    expected = {role: phase in phases for role, phases in EXPECTED[permission].items()}
    assert actual == expected
