"""Every form of the portal, fed junk by hypothesis as the role that may use it: never a 500.

Junk: empty, huge, unicode digits that str.isdigit() accepts and int() refuses, NUL bytes,
markup, numbers past any column, rupiah written in every way. Each answer must be a page or a
redirect with a message, not an error."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Role
from proposals.models import Proposal, Status
from rounds.models import BallotType, Phase
from tests.factories import AreaFactory, ProposalFactory, RoundFactory, UserFactory
from tests.voting.conftest import GUNUNG_BAHAGIA, make_round
from voting.models import Ballot, PendingBallot
from wilayah.models import Kelurahan

pytestmark = pytest.mark.django_db

JUNK = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from([
        "", " ", "0", "-1", "²", "١٢", "٣", "½", "1e309", "NaN", "inf", "\x00", "a\x00b", "9" * 400,
        "<script>alert(1)</script>", "1.250.000", "Rp 1.250.000", "1,5", " 7 ", "64.71.05.1006", "999999999999",
        "3171014101900001", "on", "1", "true",
        # past every max_length (fixed: generating such sizes at random is slow and teaches nothing)
        "x" * 3000, "é" * 6000, "7" * 2100,
    ]),
)
EXAMPLES = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def form_data(draw_fields: dict) -> dict:
    return {name: value for name, value in draw_fields.items() if value is not None}


def fields(*names: str, extra: int = 2):
    """A dict strategy: each named field junk or missing, plus a few unknown fields."""
    named = st.fixed_dictionaries({name: st.one_of(st.none(), JUNK) for name in names})
    unknown = st.dictionaries(st.text(min_size=1, max_size=12), JUNK, max_size=extra)
    return st.tuples(named, unknown).map(lambda pair: {**pair[1], **form_data(pair[0])})


def assert_answers(response, name: str) -> None:
    assert response.status_code < 500, f"{name}: {response.status_code}"


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(db):
    round_ = RoundFactory(phase=Phase.SUBMISSION, slug="ap-fuzz")
    kel = Kelurahan.objects.get(code=GUNUNG_BAHAGIA)
    area = AreaFactory(round=round_, kelurahan=kel, code=kel.code, name=kel.name)
    resident = UserFactory(kelurahan=kel)
    moderator = UserFactory(role=Role.MODERATOR)
    moderator.moderated_kelurahan.add(kel)
    verifikator = UserFactory(role=Role.VERIFIKATOR)
    proposal = ProposalFactory(round=round_, area=area, proposer=resident, status=Status.APPROVED)
    proposal.category.verifikators.add(verifikator)
    return {"round": round_, "area": area, "resident": resident, "moderator": moderator,
            "verifikator": verifikator, "proposal": proposal}


@EXAMPLES
@given(data=fields("full_name", "email", "phone", "nik", "kelurahan", "password1", "password2", "consent"))
def test_registration(data):
    assert_answers(Client().post(reverse("accounts:register"), data), "register")


@EXAMPLES
@given(data=fields("username", "password"))
def test_login(data):
    assert_answers(Client().post(reverse("accounts:login"), data), "login")


@EXAMPLES
@given(data=fields("full_name", "email", "phone", "language"), delete=fields("password"),
       preferences=fields("proposal_status__email", "voting_opened__inbox", "results_published__email"))
def test_profile_preferences_and_account_deletion(world, data, delete, preferences):
    client = _signed_in(world["resident"])
    assert_answers(client.post(reverse("accounts:profile"), data), "profile")
    assert_answers(client.post(reverse("notifications:preferences"), preferences), "preferences")
    assert_answers(client.post(reverse("accounts:account_delete"), delete), "delete")


@EXAMPLES
@given(data=fields("title", "category", "area", "description", "estimated_cost", "latitude", "longitude",
                   "address", "rt", "rw", "aksi", "remove_photos", "kamus_item", "volume"))
def test_proposal_form(world, data):
    client = _signed_in(world["resident"])
    assert_answers(client.post(reverse("proposals:create", args=[world["round"].slug]), data), "create")


@EXAMPLES
@given(comment=fields("body"), flag=fields("reason"), query=fields("q", "wilayah", "kategori", "status", "urut", "page",
                                                                    "putaran"))
def test_comments_flags_and_the_list_filters(world, comment, flag, query):
    world["round"].phase = Phase.SUPPORT
    world["round"].save()
    client = _signed_in(world["resident"])
    pk = world["proposal"].pk
    assert_answers(client.post(reverse("proposals:comment", args=[pk]), comment), "comment")
    assert_answers(client.post(reverse("proposals:flag", args=[pk]), flag), "flag")
    assert_answers(client.post(reverse("proposals:support", args=[pk]), flag), "support")
    assert_answers(client.get(reverse("proposals:list"), query), "list")


@EXAMPLES
@given(moderation=fields("action", "reason", "into"), valuation=fields("feasible", "reason", "final_cost"))
def test_moderation_and_valuation(world, moderation, valuation):
    world["round"].phase = Phase.REVIEW
    world["round"].save()
    Proposal.objects.filter(pk=world["proposal"].pk).update(status=Status.SUBMITTED)
    pk = world["proposal"].pk
    assert_answers(_signed_in(world["moderator"]).post(reverse("proposals:moderate", args=[pk]), moderation),
                   "moderate")
    Proposal.objects.filter(pk=pk).update(status=Status.APPROVED)
    assert_answers(_signed_in(world["verifikator"]).post(reverse("proposals:valuate", args=[pk]), valuation),
                   "valuate")


@EXAMPLES
@given(data=fields("kode"))
def test_receipt_check(data):
    assert_answers(Client().get(reverse("dashboard:receipt_check"), data), "receipt")


@pytest.fixture(params=[BallotType.APPROVAL, BallotType.KNAPSACK, BallotType.RANKED, BallotType.CUMULATIVE])
def ballot_world(db, request):
    round_ = make_round(ballot_type=request.param, slug=f"fuzz-{request.param}", max_choices=3, points=10)
    area = round_.test_areas["kel"]
    resident = UserFactory(kelurahan=Kelurahan.objects.get(code=GUNUNG_BAHAGIA),
                           residence_verified_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    moderator = UserFactory(role=Role.MODERATOR)
    moderator.moderated_kelurahan.add(area.kelurahan)
    ids = [str(pk) for pk in Proposal.objects.filter(area=area, status=Status.FEASIBLE).values_list("pk", flat=True)]
    return round_, area, resident, moderator, ids


@EXAMPLES
@given(junk=st.lists(JUNK, max_size=4), per_project=st.lists(JUNK, min_size=5, max_size=5),
       flags=fields("blank", "confirm", "edit", "nik"))
def test_ballot_and_paper_ballot(ballot_world, junk, per_project, flags):
    round_, area, resident, moderator, ids = ballot_world
    data = {**flags, "project": [*junk, *ids[:2]]}
    for pid, value in zip(ids, per_project, strict=False):
        data[f"rank_{pid}"] = value
        data[f"points_{pid}"] = value
    url = reverse("voting:ballot", args=[round_.slug, area.pk])
    assert_answers(_signed_in(resident).post(url, data), f"ballot {round_.ballot_type}")
    paper = reverse("voting:paper", args=[round_.slug, area.pk])
    assert_answers(_signed_in(moderator).post(paper, data), f"paper {round_.ballot_type}")


@pytest.mark.parametrize("junk", ["²", "a\x00b", "١٢"])
def test_a_tampered_project_id_is_refused_with_words(junk):
    round_ = make_round(ballot_type=BallotType.APPROVAL, slug="fuzz-words", max_choices=3)
    area = round_.test_areas["kel"]
    resident = UserFactory(kelurahan=area.kelurahan, residence_verified_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    response = _signed_in(resident).post(reverse("voting:ballot", args=[round_.slug, area.pk]),
                                         {"project": [junk], "confirm": "1"})
    assert response.status_code == 400  # the ballot again, with the reason
    assert "tidak ada di surat suara" in response.content.decode()
    assert not Ballot.objects.filter(area=area).exists() and not PendingBallot.objects.filter(area=area).exists()


@EXAMPLES
@given(desk=fields("nik"), batch=fields("kelurahan", "count"), code=fields("code"))
def test_residence_desk_invitations_and_codes(world, desk, batch, code):
    world["moderator"].moderated_kelurahan.add(world["area"].kelurahan)
    officer = _signed_in(world["moderator"])
    assert_answers(officer.post(reverse("accounts:residence_desk"), desk), "residence desk")
    assert_answers(officer.post(reverse("accounts:invitations"), batch), "invitations")
    assert_answers(_signed_in(world["resident"]).post(reverse("accounts:invitation_redeem"), code), "redeem")
