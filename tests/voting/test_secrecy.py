"""A dump cannot link a ballot to a person; council and admins see aggregates only."""

import pytest
from django.urls import reverse

from voting import services
from voting.models import Ballot, Participation, PendingBallot
from voting.selectors import voter_key

from .conftest import project_ids, resident_with_nik

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
