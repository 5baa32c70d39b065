"""A dump cannot link a ballot to a person; council and admins see aggregates only."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.identity import nik_hash
from rounds.models import Phase, Round
from tests.factories import make_nik
from voting import selectors, services
from voting.models import Ballot, Participation, PendingBallot
from voting.selectors import voter_key

from .conftest import GUNUNG_BAHAGIA, project_ids, resident_with_nik, stored_ballots

pytestmark = pytest.mark.django_db


def test_ballot_columns_say_nothing_about_the_person():
    columns = {f.column for f in Ballot._meta.concrete_fields}
    assert columns == {"id", "round_id", "area_id", "voter_key", "choices", "blank", "receipt_code"}  # no date
    assert Ballot._meta.pk.get_internal_type() == "UUIDField"
    assert {f.column for f in PendingBallot._meta.concrete_fields} == {"id", "round_id", "area_id", "lookup_key", "sealed"}
    assert Participation._meta.get_field("created_on").get_internal_type() == "DateField"  # day precision only
    assert not any(f.is_relation and f.related_model._meta.label == "accounts.User" for f in Ballot._meta.concrete_fields)
    assert not any(f.is_relation and f.related_model is Participation for f in Ballot._meta.concrete_fields)


def test_voter_key_needs_the_ballot_key(settings, resident, kel_area):
    ballot = services.ballot_cast(voter=resident, area=kel_area, choices=project_ids(kel_area)[:1])
    participation = Participation.objects.get()
    stored = {str(v) for v in Participation.objects.values_list("pk", "nik_hash", "user_id", "created_on").get()}
    assert ballot.voter_key not in stored and participation.nik_hash != ballot.voter_key
    assert ballot.voter_key == voter_key(nik_hash=resident.nik_hash, round_id=kel_area.round_id, area_id=kel_area.pk)
    settings.BALLOT_KEY = "another-key"
    assert ballot.voter_key != voter_key(nik_hash=resident.nik_hash, round_id=kel_area.round_id, area_id=kel_area.pk)


def test_same_person_different_areas_get_unrelated_keys(resident, voting_round):
    keys = {
        services.ballot_cast(voter=resident, area=voting_round.test_areas[k], choices=[], blank=True).voter_key
        for k in ("kel", "kec", "kota")
    }
    assert len(keys) == 3


def test_council_and_admin_pages_show_no_individual_ballot(client, admin_user, council_user, kel_area, voting_round):
    codes = []
    for _ in range(3):
        user, _nik = resident_with_nik()
        codes.append(services.ballot_cast(voter=user, area=kel_area, choices=project_ids(kel_area)[:1]).receipt_code)
    for viewer in (admin_user, council_user):
        client.force_login(viewer)
        page = client.get(reverse("voting:tally", args=[voting_round.slug])).content.decode()
        assert ">3<" in page  # the count per area
        assert not any(code in page for code in codes)
    # the Django admin does not list ballots either
    from django.contrib import admin

    assert Ballot not in admin.site._registry and Participation not in admin.site._registry


def _register(nik: str, email: str):
    from accounts.models import User
    from accounts.nik import parse_nik
    from accounts.services import user_register
    from wilayah.models import Kelurahan

    user = user_register(full_name="Warga Uji", email=email, phone="", nik=parse_nik(nik), password="rahasia-123",
                         kelurahan=Kelurahan.objects.get(code=GUNUNG_BAHAGIA))
    User.objects.filter(pk=user.pk).update(residence_verified_at=timezone.now())
    user.refresh_from_db()
    return user


def test_a_deleted_account_leaves_its_ballots_counted_and_out_of_reach_of_its_nik(client, voting_round):
    """Issue 11: whoever registers the NIK of a deleted account sees nothing of its ballots,
    cannot change them and cannot vote again in those areas; the ballots still count."""
    kel, kec = voting_round.test_areas["kel"], voting_round.test_areas["kec"]
    nik = make_nik(birth=dt.date(1988, 6, 1))
    first = _register(nik, "pertama@example.test")
    client.force_login(first)
    for area, pick in ((kel, 0), (kec, 1)):
        url = reverse("voting:ballot", args=[voting_round.slug, area.pk])
        assert client.post(url, {"project": [project_ids(area)[pick]], "confirm": "1"}).status_code == 302
    services.ballots_mix(area=kel, closing=True)  # one ballot mixed, the other still pending
    receipt = selectors.own_ballot(nik_hash=first.nik_hash, area=kel).receipt_code

    response = client.post(reverse("accounts:account_delete"), {"password": "rahasia-123"})
    assert response.status_code == 302
    # still counted, with its receipt, but under a key nobody can compute
    assert [(b.choices, b.receipt_code) for b in stored_ballots(kel)] == [([project_ids(kel)[0]], receipt)]
    assert [b.choices for b in stored_ballots(kec)] == [[project_ids(kec)[1]]]
    assert selectors.own_ballot(nik_hash=nik_hash(nik), area=kel) is None
    assert selectors.own_ballot(nik_hash=nik_hash(nik), area=kec) is None

    second = _register(nik, "kedua@example.test")
    client.force_login(second)
    for area in (kel, kec):
        page = client.get(reverse("voting:ballot", args=[voting_round.slug, area.pk]))
        assert page.status_code == 403 and "akun yang telah dihapus" in page.content.decode()
        assert receipt not in page.content.decode()
        with pytest.raises(ValidationError, match="akun yang telah dihapus"):
            services.ballot_cast(voter=second, area=area, choices=[], blank=True)
        done = client.get(reverse("voting:done", args=[voting_round.slug, area.pk]))
        assert done.status_code == 302 and receipt not in client.get(done.url).content.decode()
    # the city area, where the first account had not voted, is open to the new one
    assert services.ballot_cast(voter=second, area=voting_round.test_areas["kota"], choices=[], blank=True)
    # and every ballot is counted, the re-keyed ones included
    Round.objects.filter(pk=voting_round.pk).update(phase=Phase.TALLYING)
    voting_round.refresh_from_db()
    for area in (kel, kec):
        assert services.area_tally(round=voting_round, area=area, rule="greedy").voters == 1
    assert not PendingBallot.objects.filter(area__in=[kel, kec]).exists()


def test_a_pending_ballot_shows_a_dump_nothing_of_the_vote(settings, resident, kel_area):
    ballot = services.ballot_cast(voter=resident, area=kel_area, choices=project_ids(kel_area)[:2])
    row = PendingBallot.objects.values().get()
    clear = " ".join(str(v) for k, v in row.items() if k != "sealed") + bytes(row["sealed"]).hex()
    assert ballot.receipt_code not in clear and ballot.voter_key not in clear
    assert not any(f'"{pid}"' in bytes(row["sealed"]).decode("latin-1") for pid in project_ids(kel_area))
    # the lookup key is no ballot key: after the mix, nothing in the ballot table matches it
    services.ballots_mix(area=kel_area, closing=True)
    assert not Ballot.objects.filter(voter_key=row["lookup_key"]).exists()
    # a sealed ballot opens only with BALLOT_KEY
    from voting.sealing import SealError

    services.ballot_cast(voter=resident, area=kel_area, choices=project_ids(kel_area)[:1])
    settings.BALLOT_KEY = "another-key"
    with pytest.raises(SealError):
        selectors.pending_open(PendingBallot.objects.get())
