"""Every permission of rounds and proposals over the full role x phase matrix.

Each row of EXPECTED says in which phases a role holds the permission; the test checks
every role in every phase against it. A is Gunung Bahagia (the proposal's kelurahan), B is
Batu Ampar.
"""

import pytest

from accounts.models import Role
from proposals.models import Status
from rounds.phases import PHASE_ORDER
from tests.factories import AreaFactory, ProposalFactory, RoundFactory, UserFactory, _kelurahan, category_get

A, B, ELSEWHERE = "64.71.05.1006", "64.71.03.1001", "64.71.06.1004"
ROLES = ["anonymous", "proposer", "resident_a", "resident_b", "moderator_a", "moderator_b",
         "verifikator_cat", "verifikator_other", "council", "admin", "superuser"]
ALL = set(PHASE_ORDER)
NOT_DRAFT = ALL - {"draft"}
NONE: set[str] = set()
MODERATION = {"submission", "support", "review"}
COMMENTING = {"submission", "support", "review", "voting", "results", "implementation"}
EVERYONE_SIGNED_IN = {role: NOT_DRAFT for role in ROLES if role != "anonymous"} | {"anonymous": NONE}


def table(default: set[str] = NONE, **rows: set[str]) -> dict[str, set[str]]:
    """A superuser holds exactly what the admin role holds: no rule or phase gate lets it through."""
    expected = {role: rows.get(role, default) for role in ROLES}
    expected["superuser"] = expected["admin"]
    return expected


# permission, status of the proposal (None: the object is the round), expected phases per role
EXPECTED = {
    ("proposals.add_proposal", None): table(**{r: {"submission"} for r in ROLES if r != "anonymous"}),
    ("proposals.view_proposal", Status.SUBMITTED): table(
        proposer=ALL, moderator_a=ALL, verifikator_cat=ALL, admin=ALL),
    ("proposals.view_proposal", Status.APPROVED): table(ALL),
    # A draft is its author's alone: not the LPM's, the verifikator's, an admin's or a superuser's.
    ("proposals.view_proposal", Status.DRAFT): table(proposer=ALL),
    ("proposals.change_proposal", Status.DRAFT): table(proposer={"submission"}),
    ("proposals.change_proposal", Status.NEEDS_CHANGES): table(proposer=MODERATION),
    ("proposals.change_proposal", Status.APPROVED): table(),
    ("proposals.support_proposal", Status.APPROVED): table(
        proposer={"support"}, resident_a={"support"}, moderator_a={"support"}),
    ("proposals.support_proposal", Status.REJECTED): table(),
    ("proposals.comment_proposal", Status.APPROVED): table(**{r: COMMENTING for r in ROLES if r != "anonymous"}),
    ("proposals.comment_proposal", Status.HIDDEN): table(),
    ("proposals.flag_proposal", Status.APPROVED): table(**EVERYONE_SIGNED_IN),
    ("proposals.follow_proposal", Status.APPROVED): table(**EVERYONE_SIGNED_IN),
    ("proposals.moderate_proposal", Status.SUBMITTED): table(moderator_a=MODERATION, admin=MODERATION),
    ("proposals.moderate_proposal", Status.REJECTED): table(),
    ("proposals.hide_content", Status.APPROVED): table(moderator_a=NOT_DRAFT, admin=NOT_DRAFT),
    ("proposals.valuate_proposal", Status.APPROVED): table(verifikator_cat={"review"}, admin={"review"}),
    ("proposals.valuate_proposal", Status.SUBMITTED): table(),
    ("proposals.view_moderation_queue", None): table(moderator_a=ALL, moderator_b=ALL, admin=ALL),
    ("proposals.view_valuation_queue", None): table(verifikator_cat=ALL, verifikator_other=ALL, admin=ALL),
    ("rounds.view_round", None): table(NOT_DRAFT, admin=ALL),
    ("rounds.advance_phase", None): table(admin=ALL),
}
ROUND_OBJECT = {"proposals.add_proposal", "rounds.view_round", "rounds.advance_phase"}
NO_OBJECT = {"proposals.view_moderation_queue", "proposals.view_valuation_queue"}


@pytest.fixture
def people(db):
    from django.contrib.auth.models import AnonymousUser

    def user(role=Role.CITIZEN, kelurahan=A, **kwargs):
        return UserFactory(role=role, kelurahan=_kelurahan(kelurahan), **kwargs)

    users = {
        "anonymous": AnonymousUser(),
        "proposer": user(), "resident_a": user(), "resident_b": user(kelurahan=B),
        "moderator_a": user(Role.MODERATOR), "moderator_b": user(Role.MODERATOR, kelurahan=B),
        "verifikator_cat": user(Role.VERIFIKATOR, kelurahan=ELSEWHERE),
        "verifikator_other": user(Role.VERIFIKATOR, kelurahan=ELSEWHERE),
        "council": user(Role.COUNCIL, kelurahan=ELSEWHERE), "admin": user(Role.ADMIN, kelurahan=ELSEWHERE),
        # Django's own flag, with a plain role: the rules still treat it as the admin role, and no more.
        "superuser": user(kelurahan=ELSEWHERE, is_superuser=True, is_staff=True),
    }
    users["moderator_a"].moderated_kelurahan.add(_kelurahan(A))
    users["moderator_b"].moderated_kelurahan.add(_kelurahan(B))
    category_get("jalan-jembatan").verifikators.add(users["verifikator_cat"])
    category_get("taman-rth").verifikators.add(users["verifikator_other"])
    return users


@pytest.mark.parametrize("phase", PHASE_ORDER)
@pytest.mark.parametrize(("permission", "status"), list(EXPECTED), ids=lambda v: str(v))
def test_permission_matrix(people, permission, status, phase):
    round_ = RoundFactory(phase=phase)
    area = AreaFactory(round=round_)
    proposal = ProposalFactory(area=area, round=round_, proposer=people["proposer"], status=status or Status.SUBMITTED,
                               category=category_get("jalan-jembatan"))
    target = None if permission in NO_OBJECT else round_ if permission in ROUND_OBJECT else proposal
    actual = {role: people[role].has_perm(permission, target) for role in ROLES}
    expected = {role: phase in phases for role, phases in EXPECTED[(permission, status)].items()}
    assert actual == expected


def test_a_kecamatan_moderator_acts_on_kecamatan_proposals_of_their_kecamatan_only(db):
    from tests.factories import kecamatan_area

    round_ = RoundFactory(phase="submission")
    kec_selatan = kecamatan_area(round_, "64.71.05")
    kec_utara = kecamatan_area(round_, "64.71.03")
    kel_a = AreaFactory(round=round_)
    kecamatan_moderator = UserFactory(role=Role.MODERATOR)
    kecamatan_moderator.moderated_kecamatan.add(kec_selatan.kecamatan)
    kelurahan_moderator = UserFactory(role=Role.MODERATOR)
    kelurahan_moderator.moderated_kelurahan.add(kel_a.kelurahan)

    on_selatan = ProposalFactory(area=kec_selatan, round=round_)
    on_utara = ProposalFactory(area=kec_utara, round=round_)
    on_kelurahan = ProposalFactory(area=kel_a, round=round_)
    perm = "proposals.moderate_proposal"
    assert kecamatan_moderator.has_perm(perm, on_selatan)
    assert not kecamatan_moderator.has_perm(perm, on_utara)
    assert not kecamatan_moderator.has_perm(perm, on_kelurahan)
    assert kelurahan_moderator.has_perm(perm, on_kelurahan)
    assert not kelurahan_moderator.has_perm(perm, on_selatan)
