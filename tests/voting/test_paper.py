"""Paper ballots from a kelurahan forum, tried as an attacker would (issue 12).

An LPM officer enters paper ballots only for the areas of their forum's kelurahan (the
kelurahan, its kecamatan, the city), only for that kelurahan's residents, and never for an
invented NIK from outside Balikpapan.
"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Role
from rounds.models import Area, AreaLevel
from tests.factories import UserFactory, make_nik
from voting import services
from voting.models import Ballot, Participation, PendingBallot
from wilayah.models import Kecamatan, Kelurahan

from .conftest import BATU_AMPAR, GUNUNG_BAHAGIA, project_ids, resident_with_nik, stored_ballots

pytestmark = pytest.mark.django_db

JAKARTA = "317101"  # Jakarta Pusat, Gambir
ACEH = "110101"  # Aceh Selatan


def enter(moderator, area, nik, **kwargs):
    return services.paper_ballot_enter(moderator=moderator, nik=nik, area=area, choices=[], blank=True, **kwargs)


# --- the attacks of issue 12 ------------------------------------------------------------------


def test_city_ballot_with_another_kelurahans_resident_is_refused_and_their_own_vote_counts(moderator, voting_round):
    """Gunung Bahagia's moderator typed a Batu Ampar resident's NIK into a city-level paper ballot;
    the resident's own online vote was then refused."""
    city = voting_round.test_areas["kota"]
    batu_ampar_resident, nik = resident_with_nik(kelurahan_code=BATU_AMPAR)
    with pytest.raises(ValidationError, match="kelurahan lain"):
        services.paper_ballot_enter(moderator=moderator, nik=nik, area=city, choices=project_ids(city)[:1])
    assert not Participation.objects.exists() and not stored_ballots(city)
    ballot = services.ballot_cast(voter=batu_ampar_resident, area=city, choices=project_ids(city)[:1])
    assert stored_ballots(city) == [ballot]


def test_kecamatan_ballot_with_another_kelurahans_resident_is_refused(moderator, voting_round):
    # Another kelurahan of the same kecamatan (Teritip's neighbours): still not the forum's resident.
    neighbour = Kelurahan.objects.filter(kecamatan_id=GUNUNG_BAHAGIA[:8]).exclude(code=GUNUNG_BAHAGIA).first()
    _user, nik = resident_with_nik(kelurahan_code=neighbour.code)
    with pytest.raises(ValidationError, match="kelurahan lain"):
        enter(moderator, voting_round.test_areas["kec"], nik)
    assert not Participation.objects.exists()


@pytest.mark.parametrize("region", [JAKARTA, ACEH])
@pytest.mark.parametrize("key", ["kel", "kec", "kota"])
def test_invented_out_of_city_niks_are_refused(moderator, voting_round, region, key):
    area = voting_round.test_areas[key]
    for _ in range(3):  # "accepted without limit": not even the first one
        with pytest.raises(ValidationError, match="di luar Kota Balikpapan"):
            enter(moderator, area, make_nik(region=region))
    assert not Participation.objects.exists() and not Ballot.objects.exists() and not PendingBallot.objects.exists()


def test_verified_resident_of_the_forums_kelurahan_with_a_nik_from_elsewhere_is_accepted(moderator, kel_area):
    """Someone who moved from Jakarta keeps their NIK; the LPM verified them here."""
    nik = make_nik(region=JAKARTA)
    from accounts.identity import nik_hash

    UserFactory(kelurahan=Kelurahan.objects.get(code=GUNUNG_BAHAGIA), nik_hash=nik_hash(nik),
                residence_verified_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    enter(moderator, kel_area, nik)
    assert Participation.objects.get().forum_kelurahan_id == GUNUNG_BAHAGIA


def test_unverified_account_does_not_launder_an_out_of_city_nik(moderator, kel_area):
    nik = make_nik(region=ACEH)
    from accounts.identity import nik_hash

    UserFactory(kelurahan=Kelurahan.objects.get(code=GUNUNG_BAHAGIA), nik_hash=nik_hash(nik), residence_verified_at=None)
    with pytest.raises(ValidationError, match="di luar Kota Balikpapan"):
        enter(moderator, kel_area, nik)


def test_balikpapan_niks_of_the_forums_own_residents_are_accepted(moderator, voting_round):
    _user, registered = resident_with_nik()
    for key in ("kel", "kec", "kota"):
        enter(moderator, voting_round.test_areas[key], registered)
        enter(moderator, voting_round.test_areas[key], make_nik(region="647103"))  # unregistered, born elsewhere in the city
    assert Participation.objects.filter(forum_kelurahan_id=GUNUNG_BAHAGIA, entered_by=moderator).count() == 6


# --- areas ----------------------------------------------------------------------------------------


def test_areas_are_those_of_the_forums_kelurahan(moderator, voting_round):
    other_kecamatan = Kecamatan.objects.get(code=BATU_AMPAR[:8])
    areas = voting_round.test_areas
    areas["other_kec"] = Area.objects.create(round=voting_round, level=AreaLevel.KECAMATAN, kecamatan=other_kecamatan,
                                             code=other_kecamatan.code, name=other_kecamatan.name, budget=1)
    assert {key for key, area in areas.items() if services.can_enter_paper(moderator, area)} == {"kel", "kec", "kota"}
    for key in ("other", "other_kec"):
        with pytest.raises(PermissionDenied):
            enter(moderator, areas[key], make_nik())


def test_an_officer_of_two_kelurahan_names_the_forum(moderator, voting_round):
    moderator.moderated_kelurahan.add(Kelurahan.objects.get(code=BATU_AMPAR))
    city = voting_round.test_areas["kota"]
    with pytest.raises(ValidationError, match="forum kelurahan"):
        enter(moderator, city, make_nik())
    _user, nik = resident_with_nik(kelurahan_code=BATU_AMPAR)
    with pytest.raises(ValidationError, match="kelurahan lain"):
        enter(moderator, city, nik, kelurahan_id=GUNUNG_BAHAGIA)
    enter(moderator, city, nik, kelurahan_id=BATU_AMPAR)
    assert Participation.objects.get().forum_kelurahan_id == BATU_AMPAR
    # the Batu Ampar forum does not reach Gunung Bahagia's own kelurahan ballot
    with pytest.raises(PermissionDenied):
        enter(moderator, voting_round.test_areas["kel"], make_nik(), kelurahan_id=BATU_AMPAR)


def test_a_forum_the_officer_does_not_run_is_refused(moderator, voting_round):
    with pytest.raises(PermissionDenied):
        enter(moderator, voting_round.test_areas["kota"], make_nik(), kelurahan_id=BATU_AMPAR)


def test_a_kecamatan_officer_without_a_kelurahan_forum_enters_nothing(voting_round):
    officer = UserFactory(role=Role.MODERATOR)
    officer.moderated_kecamatan.add(Kecamatan.objects.get(code=GUNUNG_BAHAGIA[:8]))
    for key in ("kel", "kec", "kota"):
        with pytest.raises(PermissionDenied):
            enter(officer, voting_round.test_areas[key], make_nik())


# --- the page, for everyone who is not that kelurahan's officer -------------------------------------


def _people():
    outsider = UserFactory(role=Role.MODERATOR)
    outsider.moderated_kelurahan.add(Kelurahan.objects.get(code=BATU_AMPAR))
    return {
        "resident": UserFactory(kelurahan=Kelurahan.objects.get(code=GUNUNG_BAHAGIA)),
        "superuser": UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True),
        "admin": UserFactory(role=Role.ADMIN, is_staff=True),
        "other_officer": outsider,
    }


@pytest.mark.parametrize("who", ["resident", "superuser", "admin", "other_officer"])
def test_the_page_refuses_everyone_but_the_kelurahans_officer(client, voting_round, kel_area, who):
    client.force_login(_people()[who])
    url = reverse("voting:paper", args=[voting_round.slug, kel_area.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"nik": make_nik(), "project": project_ids(kel_area)[:1]}).status_code == 403
    assert not Participation.objects.exists()


def test_a_stranger_is_sent_to_sign_in(client, voting_round, kel_area):
    url = reverse("voting:paper", args=[voting_round.slug, kel_area.pk])
    response = client.post(url, {"nik": make_nik(), "project": project_ids(kel_area)[:1]})
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert not Participation.objects.exists()


def test_the_page_says_why_a_nik_is_refused(client, moderator, voting_round):
    city = voting_round.test_areas["kota"]
    client.force_login(moderator)
    url = reverse("voting:paper", args=[voting_round.slug, city.pk])
    _user, nik = resident_with_nik(kelurahan_code=BATU_AMPAR)
    response = client.post(url, {"nik": nik, "project": project_ids(city)[:1]})
    assert response.status_code == 400 and "kelurahan lain" in response.content.decode()
    response = client.post(url, {"nik": make_nik(region=JAKARTA), "project": project_ids(city)[:1]})
    assert response.status_code == 400 and "di luar Kota Balikpapan" in response.content.decode()
    response = client.post(url + f"?kelurahan={BATU_AMPAR}", {"nik": make_nik(), "project": project_ids(city)[:1]})
    assert response.status_code == 403
    assert not Participation.objects.exists()


def test_an_officer_of_two_kelurahan_picks_the_forum_on_the_page(client, moderator, voting_round):
    moderator.moderated_kelurahan.add(Kelurahan.objects.get(code=BATU_AMPAR))
    city = voting_round.test_areas["kota"]
    client.force_login(moderator)
    url = reverse("voting:paper", args=[voting_round.slug, city.pk])
    text = client.get(url).content.decode()
    assert f"?kelurahan={GUNUNG_BAHAGIA}" in text and f"?kelurahan={BATU_AMPAR}" in text
    response = client.post(url + f"?kelurahan={BATU_AMPAR}", {"nik": make_nik(), "project": project_ids(city)[:1]},
                           follow=True)
    assert "Surat suara kertas tercatat" in response.content.decode()
    assert Participation.objects.get().forum_kelurahan_id == BATU_AMPAR


# --- the census (accounts.census) ------------------------------------------------------------------


def _census(*rows):
    from accounts.census import census_import

    census_import(lines=["nik,kelurahan_code", *(f"{nik},{code}" for nik, code in rows)])


def test_an_unregistered_nik_the_census_lists_for_another_kelurahan_is_refused(moderator, voting_round):
    """Not registered anywhere, so only the census knows: a Batu Ampar resident typed in at Gunung Bahagia."""
    nik = make_nik(region="647105")
    _census((nik, BATU_AMPAR))
    for key in ("kel", "kec", "kota"):
        with pytest.raises(ValidationError, match="kelurahan lain"):
            enter(moderator, voting_round.test_areas[key], nik)
    assert not Participation.objects.exists()


def test_an_out_of_city_nik_the_census_lists_for_the_forums_kelurahan_is_accepted(moderator, kel_area):
    nik = make_nik(region=JAKARTA)
    _census((nik, GUNUNG_BAHAGIA))
    enter(moderator, kel_area, nik)
    assert Participation.objects.get().forum_kelurahan_id == GUNUNG_BAHAGIA
