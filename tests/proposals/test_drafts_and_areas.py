"""Issue 12: a draft is its author's alone, and a resident proposes only for where they live
(their kelurahan, its kecamatan, the city). Tested as the attackers: the LPM of the draft's
kelurahan, another kelurahan's LPM, the category's verifikator, a city admin, a superuser, a stranger."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from proposals import services
from proposals.models import Proposal, Status
from tests.factories import (
    AreaFactory,
    ProposalFactory,
    RoundFactory,
    UserFactory,
    _kelurahan,
    category_get,
    kecamatan_area,
)

pytestmark = pytest.mark.django_db
GUNUNG_BAHAGIA, BATU_AMPAR = "64.71.05.1006", "64.71.03.1001"
DRAFT_TITLE = "Rahasia belum diajukan: lampu jalan Gang Mawar"


def attacker(who: str):
    if who == "lpm_of_the_kelurahan":
        user = UserFactory(role=Role.MODERATOR)
        user.moderated_kelurahan.add(_kelurahan(GUNUNG_BAHAGIA))
    elif who == "lpm_of_another_kelurahan":
        user = UserFactory(role=Role.MODERATOR, kelurahan=_kelurahan(BATU_AMPAR))
        user.moderated_kelurahan.add(_kelurahan(BATU_AMPAR))
    elif who == "verifikator_of_the_category":
        user = UserFactory(role=Role.VERIFIKATOR)
        category_get("jalan-jembatan").verifikators.add(user)
    elif who == "city_admin":
        user = UserFactory(role=Role.ADMIN, is_staff=True)
    elif who == "superuser":
        user = UserFactory(is_superuser=True, is_staff=True)
    else:
        user = UserFactory(kelurahan=_kelurahan(GUNUNG_BAHAGIA))
    return user


@pytest.fixture
def draft():
    for phase_round in [RoundFactory(phase="submission", slug="draf-uji")]:
        area = AreaFactory(round=phase_round)
        return ProposalFactory(area=area, round=phase_round, status=Status.DRAFT, title=DRAFT_TITLE,
                               category=category_get("jalan-jembatan"))


@pytest.mark.parametrize("who", ["lpm_of_the_kelurahan", "lpm_of_another_kelurahan", "verifikator_of_the_category",
                                 "city_admin", "superuser", "neighbour"])
def test_nobody_but_the_author_reads_a_draft(client, draft, who):
    client.force_login(attacker(who))
    response = client.get(draft.get_absolute_url())
    assert response.status_code in (403, 404)
    assert DRAFT_TITLE not in response.content.decode()
    for page in ("proposals:list", "proposals:moderation", "proposals:valuation"):
        text = client.get(reverse(page)).content.decode()
        assert DRAFT_TITLE not in text, page


def test_the_author_reads_their_draft_and_anonymous_does_not(client, draft):
    assert client.get(draft.get_absolute_url()).status_code in (302, 403, 404)
    client.force_login(draft.proposer)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200 and DRAFT_TITLE in response.content.decode()


def test_once_submitted_the_lpm_sees_it(client, draft):
    services.proposal_submit(proposal=draft, actor=draft.proposer)
    client.force_login(attacker("lpm_of_the_kelurahan"))
    assert client.get(draft.get_absolute_url()).status_code == 200


@pytest.fixture
def round_with_areas():
    round_ = RoundFactory(phase="submission")
    areas = {
        "own": AreaFactory(round=round_),  # Gunung Bahagia
        "own_kecamatan": kecamatan_area(round_, "64.71.05"),
        "city": AreaFactory(round=round_, level="kota", kelurahan=None, code="64.71", name="Kota Balikpapan"),
        "other_kelurahan": AreaFactory(round=round_, kelurahan=_kelurahan(BATU_AMPAR)),
        "other_kecamatan": kecamatan_area(round_, "64.71.03"),
    }
    return round_, areas


def test_the_form_offers_only_the_residents_own_areas(client, round_with_areas):
    round_, areas = round_with_areas
    client.force_login(UserFactory(kelurahan=_kelurahan(GUNUNG_BAHAGIA)))
    response = client.get(reverse("proposals:create", args=[round_.slug]))
    offered = {pk for pk, _label in response.context["form"].fields["area"].choices}
    assert offered == {areas["own"].pk, areas["own_kecamatan"].pk, areas["city"].pk}


@pytest.mark.parametrize("target", ["other_kelurahan", "other_kecamatan"])
def test_a_posted_area_elsewhere_is_refused_with_a_message(client, round_with_areas, target):
    round_, areas = round_with_areas
    category_get("jalan-jembatan")
    client.force_login(UserFactory(kelurahan=_kelurahan(GUNUNG_BAHAGIA)))
    response = client.post(reverse("proposals:create", args=[round_.slug]), {
        "title": "Drainase di kelurahan lain", "category": "jalan-jembatan", "area": areas[target].pk,
        "description": "Banjir.", "estimated_cost": "Rp 1.250.000", "aksi": "ajukan"})
    assert response.status_code in (200, 400) and not Proposal.objects.exists()
    assert "hanya dapat mengusulkan untuk kelurahan tempat tinggal Anda" in response.content.decode()


@pytest.mark.parametrize("target", ["own", "own_kecamatan", "city"])
def test_own_kelurahan_kecamatan_and_city_are_accepted(round_with_areas, target):
    round_, areas = round_with_areas
    proposer = UserFactory(kelurahan=_kelurahan(GUNUNG_BAHAGIA))
    proposal = services.proposal_create(round=round_, proposer=proposer, area=areas[target],
                                        category=category_get("jalan-jembatan"), title="Taman", description="Uji",
                                        estimated_cost=1_000_000)
    assert proposal.area == areas[target]


def test_the_service_refuses_another_kelurahan_and_a_move_there(round_with_areas):
    round_, areas = round_with_areas
    proposer = UserFactory(kelurahan=_kelurahan(GUNUNG_BAHAGIA))
    fields = {"round": round_, "proposer": proposer, "category": category_get("jalan-jembatan"), "title": "Taman",
              "description": "Uji", "estimated_cost": 1_000_000}
    with pytest.raises(ValidationError) as refused:
        services.proposal_create(**fields, area=areas["other_kelurahan"])
    assert "hanya dapat mengusulkan" in str(refused.value)
    proposal = services.proposal_create(**fields, area=areas["own"])
    with pytest.raises(ValidationError):
        services.proposal_update(proposal=proposal, actor=proposer, area=areas["other_kecamatan"])
    proposal.refresh_from_db()
    assert proposal.area == areas["own"]
