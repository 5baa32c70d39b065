"""The ballot path's statements, counted (issue 16): the ballot page, a confirmed POST that
casts or changes a ballot, and the receipt page it redirects to. Session, user and unread
count come from the shared cache; a confirmed POST reads the costs once, reads the old ballot
with the statements that remove it, and inserts the sealed replacement."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from voting import services

from .conftest import project_ids, stored_ballots

pytestmark = pytest.mark.django_db


def urls(area):
    return (reverse("voting:ballot", args=[area.round.slug, area.pk]),
            reverse("voting:done", args=[area.round.slug, area.pk]))


def statements(call) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    return response, [q["sql"] for q in ctx.captured_queries]


def test_a_changed_ballot_costs_eight_statements_and_its_receipt_four(client, resident, kel_area):
    ballot_url, done_url = urls(kel_area)
    ids = project_ids(kel_area)
    client.force_login(resident)
    client.get(ballot_url)  # the voter read the ballot first: their unread count is cached
    client.post(ballot_url, {"project": [ids[0]], "confirm": "1"})
    # area with its round; costs; the participation locked; the pending and the mixed ballot
    # deleted (each returning what it held); the sealed ballot inserted; and, since issues 12
    # and 13, whether a desk reset hides the ballot (a change only) and whether a "ballot
    # recorded" e-mail went out in the last 10 minutes. The test's own transaction turns the
    # service's BEGIN/COMMIT into SAVEPOINT/RELEASE.
    response, sql = statements(lambda: client.post(ballot_url, {"project": [ids[1]], "confirm": "1"}))
    assert response.status_code == 302 and response["Location"] == done_url
    work = [s for s in sql if not s.startswith(("SAVEPOINT", "RELEASE"))]
    assert len(work) == 8, "\n".join(work)
    assert sum(s.count("proposals_proposal") > 0 for s in work) == 1  # the costs, once
    assert [s.split()[0] for s in work].count("DELETE") == 2 and not any(s.startswith("UPDATE") for s in work)
    # the receipt page: area, the voter's own ballot, the other areas they vote in, and whether
    # a desk reset hides the receipt code (issue 12)
    response, sql = statements(lambda: client.get(done_url))
    assert response.status_code == 200 and len(sql) == 4, "\n".join(sql)
    [ballot] = stored_ballots(kel_area)
    assert ballot.choices == [ids[1]] and ballot.receipt_code in response.content.decode()


def test_a_change_after_the_mix_keeps_the_receipt_in_eight_statements(client, resident, kel_area, django_assert_max_num_queries):
    ballot_url, _done = urls(kel_area)
    ids = project_ids(kel_area)
    client.force_login(resident)
    client.post(ballot_url, {"project": [ids[0]], "confirm": "1"})
    [before] = stored_ballots(kel_area)
    services.ballots_mix(area=kel_area, closing=True)
    with django_assert_max_num_queries(8 + 2):  # + SAVEPOINT/RELEASE
        client.post(ballot_url, {"project": [ids[2]], "confirm": "1"})
    [after] = stored_ballots(kel_area)
    assert (after.choices, after.receipt_code) == ([ids[2]], before.receipt_code)


def test_a_first_ballot(client, resident, kel_area, django_assert_max_num_queries):
    """The first cast also creates the participation (in a savepoint) and draws a receipt code
    not yet used."""
    ballot_url, _done = urls(kel_area)
    client.force_login(resident)
    client.get(ballot_url)
    cheapest = project_ids(kel_area)[0]
    # the change's statements but the desk-reset check, with the participation's INSERT in its
    # own savepoint (3 statements), the check that a new receipt code is unused, and the
    # "ballot recorded" e-mail queued (its notification row, the outbox row, in a savepoint)
    with django_assert_max_num_queries(17):
        response = client.post(ballot_url, {"project": [cheapest], "confirm": "1"})
    assert response.status_code == 302 and len(stored_ballots(kel_area)) == 1


def test_the_ballot_page_costs_six_queries(client, resident, kel_area, django_assert_max_num_queries):
    ballot_url, _done = urls(kel_area)
    client.force_login(resident)
    client.get(ballot_url)
    # area with its round, participation, projects, their photos, the own ballot, the closing time
    with django_assert_max_num_queries(6):
        assert client.get(ballot_url).status_code == 200


def test_a_refused_confirmation_answers_as_before(client, resident, kel_area):
    """The lean path gives way to the full page for anything the service refuses."""
    ballot_url, _done = urls(kel_area)
    client.force_login(resident)
    response = client.post(ballot_url, {"project": project_ids(kel_area), "confirm": "1"})
    assert response.status_code == 400 and "melebihi pagu" in response.content.decode()
    assert not stored_ballots(kel_area)
