"""The kept ballot page (voting.ballot_cache, issue 16): what changes is on the next page at once,
and no voter ever sees another's choices, receipt code or CSRF token.

Each test attacks what a kept copy could get wrong: a project withdrawn or a cost changed while
the copy is kept, a round closed behind the model signals' back, two voters reading the same
area's page one after the other."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals.models import Proposal
from rounds.models import BallotType, Phase, Round
from voting import services

from .conftest import make_round, project_ids, resident_with_nik, stored_ballots

pytestmark = pytest.mark.django_db


def ballot_url(area):
    return reverse("voting:ballot", args=[area.round.slug, area.pk])


def signed_in(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def checked(page: str) -> set[str]:
    return set(re.findall(r'name="project" value="(\d+)" id="p-\d+" checked', page))


def shown(page: str) -> list[str]:
    return re.findall(r'class="card mb-2 ballot-item" data-id="(\d+)"', page)


def csrf(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def cast(client: Client, data: dict, area) -> None:
    """A ballot cast as a person does: the page read first, its form sent with its token."""
    page = client.get(ballot_url(area)).content.decode()
    response = client.post(ballot_url(area), {**data, "csrfmiddlewaretoken": csrf(page)})
    assert response.status_code == 302, response.content.decode()[:2000]


def test_a_withdrawn_project_is_off_the_next_ballot_page_and_refused(client, resident, kel_area, admin_user):
    ids = project_ids(kel_area)
    client.force_login(resident)
    before = client.get(ballot_url(kel_area)).content.decode()
    assert ids[0] in shown(before)
    client.get(ballot_url(kel_area))  # now served from the kept copy
    services.ballot_project_withdraw(proposal=Proposal.objects.get(pk=ids[0]), actor=admin_user, reason="Lahan sengketa")
    after = client.get(ballot_url(kel_area)).content.decode()
    assert ids[0] not in shown(after) and sorted(shown(after)) == sorted(ids[1:])
    response = client.post(ballot_url(kel_area), {"project": [ids[0]], "confirm": "1"})
    assert response.status_code == 400 and not stored_ballots(kel_area)


def test_a_changed_cost_is_on_the_next_page_and_counts_against_the_budget(client, resident, kel_area):
    ids = project_ids(kel_area)  # 80, 120, 250, 300, 450 million of a 1,000 million budget
    client.force_login(resident)
    client.get(ballot_url(kel_area))
    assert "Rp80.000.000" in client.get(ballot_url(kel_area)).content.decode()
    cheapest = Proposal.objects.get(pk=ids[0])
    cheapest.final_cost = 900_000_000
    cheapest.save()
    page = client.get(ballot_url(kel_area)).content.decode()
    assert "Rp900.000.000" in page and "Rp80.000.000" not in page
    # 900 + 120 million no longer fit: the kept copy's old 80 million must not let it through
    response = client.post(ballot_url(kel_area), {"project": [ids[0], ids[1]], "confirm": "1"})
    assert response.status_code == 400 and "melebihi pagu" in response.content.decode()
    assert not stored_ballots(kel_area)


def test_a_round_closed_behind_the_signals_back_refuses_at_once(client, resident, kel_area):
    """Whether voting is open is never taken from the kept copy: a queryset update() sends no signal."""
    ids = project_ids(kel_area)
    client.force_login(resident)
    client.get(ballot_url(kel_area))
    assert client.get(ballot_url(kel_area)).status_code == 200  # kept
    Round.objects.filter(pk=kel_area.round_id).update(phase=Phase.TALLYING)
    assert client.get(ballot_url(kel_area)).status_code == 403
    assert client.post(ballot_url(kel_area), {"project": [ids[0]], "confirm": "1"}).status_code == 403
    assert not stored_ballots(kel_area)


def test_right_after_a_change_nothing_is_kept(client, resident, kel_area, settings):
    """A page read within CACHE_CHANGE_GUARD_SECONDS of a change may have read the database before
    the writing transaction committed: it serves its reader, and the next reader reads afresh."""
    settings.CACHE_CHANGE_GUARD_SECONDS = 60
    client.force_login(resident)
    client.get(ballot_url(kel_area))
    proposal = Proposal.objects.get(pk=project_ids(kel_area)[0])
    proposal.title = "Jalan baru"
    proposal.save()
    for _reader in range(2):  # each reads the projects afresh
        with CaptureQueriesContext(connection) as queries:
            assert "Jalan baru" in client.get(ballot_url(kel_area)).content.decode()
        assert sum('FROM "proposals_proposal"' in q["sql"] for q in queries.captured_queries) == 1
    settings.CACHE_CHANGE_GUARD_SECONDS = 0  # the change is long past: the next read is kept
    client.get(ballot_url(kel_area))
    with CaptureQueriesContext(connection) as queries:
        client.get(ballot_url(kel_area))
    assert not any('FROM "proposals_proposal"' in q["sql"] for q in queries.captured_queries)


def test_two_voters_alternating_see_only_their_own_choices_receipt_and_token(kel_area):
    ids = project_ids(kel_area)
    ana, budi = resident_with_nik()[0], resident_with_nik()[0]
    a, b = signed_in(ana), signed_in(budi)
    cast(a, {"project": [ids[0], ids[1]], "confirm": "1"}, kel_area)
    cast(b, {"project": [ids[2]], "confirm": "1"}, kel_area)
    receipts = {frozenset(ballot.choices): ballot.receipt_code for ballot in stored_ballots(kel_area)}
    ana_receipt, budi_receipt = receipts[frozenset(ids[:2])], receipts[frozenset(ids[2:3])]
    for _round in range(3):
        pages = {}
        for client, own, receipt, other in ((a, {ids[0], ids[1]}, ana_receipt, budi_receipt),
                                            (b, {ids[2]}, budi_receipt, ana_receipt)):
            page = pages[client] = client.get(ballot_url(kel_area)).content.decode()
            assert checked(page) == own
            assert receipt in page and other not in page
            assert 'id="blank" checked' not in page
        # each page's CSRF token is its reader's: it works for them and not for the other
        assert b.post(ballot_url(kel_area), {"csrfmiddlewaretoken": csrf(pages[a]), "project": [ids[2]],
                                             "confirm": "1"}).status_code == 403
        assert a.post(ballot_url(kel_area), {"csrfmiddlewaretoken": csrf(pages[a]), "project": [ids[0], ids[1]],
                                             "confirm": "1"}).status_code == 302
    # the budget box adds up each voter's own costs
    page = a.get(ballot_url(kel_area)).content.decode()
    assert re.search(r'id="budget-chosen">Rp200\.000\.000<', page), "80 + 120 million"
    page = b.get(ballot_url(kel_area)).content.decode()
    assert re.search(r'id="budget-chosen">Rp250\.000\.000<', page)


def test_a_blank_ballot_and_a_voter_without_one_alternate(kel_area):
    ana, budi = resident_with_nik()[0], resident_with_nik()[0]
    a, b = signed_in(ana), signed_in(budi)
    cast(a, {"blank": "1", "confirm": "1"}, kel_area)
    for _round in range(2):
        page = a.get(ballot_url(kel_area)).content.decode()
        assert 'id="blank" checked' in page and not checked(page)
        page = b.get(ballot_url(kel_area)).content.decode()
        assert 'id="blank" checked' not in page and "kode tanda terima" not in page and not checked(page)


def test_ranked_ballots_alternating_keep_each_voters_ranks():
    round_ = make_round(ballot_type=BallotType.RANKED, max_choices=3, slug="ap-rank")
    area = round_.test_areas["kel"]
    ids = project_ids(area)
    ana, budi = resident_with_nik()[0], resident_with_nik()[0]
    a, b = signed_in(ana), signed_in(budi)
    cast(a, {f"rank_{ids[0]}": "1", f"rank_{ids[1]}": "2", "confirm": "1"}, area)
    cast(b, {f"rank_{ids[1]}": "1", "confirm": "1"}, area)

    def ranks(page: str) -> dict[str, str]:
        found = {}
        for pid in ids:
            select = page.split(f'name="rank_{pid}"')[1].split("</select>")[0]
            match = re.search(r'<option value="(\d+)" selected>', select)
            if match:
                found[pid] = match.group(1)
        return found

    for _round in range(2):
        assert ranks(a.get(ballot_url(area)).content.decode()) == {ids[0]: "1", ids[1]: "2"}
        assert ranks(b.get(ballot_url(area)).content.decode()) == {ids[1]: "1"}


def test_a_superuser_reading_right_after_a_resident_gets_their_own_page(kel_area):
    """A superuser who lives in the area (their role says citizen) reads the ballot page right after
    a resident of it: the kept page around the cards was rendered for residents, whose menu lacks
    the work links every permission gives a superuser. They get their own page, with their links,
    and the resident after them still gets the kept one without."""
    from django.utils import translation

    from balikpapan_pb.worklist import work_links

    resident, superuser = resident_with_nik()[0], resident_with_nik()[0]
    superuser.is_superuser = superuser.is_staff = True
    superuser.save()
    with translation.override("id"):
        menu = [link.url for link in work_links(superuser) if link.in_menu]
    assert menu
    ids = project_ids(kel_area)
    a, s = signed_in(resident), signed_in(superuser)
    for _round in range(2):
        kept = a.get(ballot_url(kel_area)).content.decode()
        assert sorted(shown(kept)) == sorted(ids) and not any(f'href="{url}"' in kept for url in menu)
        own = s.get(ballot_url(kel_area))
        page = own.content.decode()
        assert own.status_code == 200 and sorted(shown(page)) == sorted(ids)
        assert all(f'href="{url}"' in page for url in menu)


def test_the_unread_badge_read_with_the_version_key_is_right_on_the_next_page(kel_area):
    """The ballot and receipt pages read the reader's unread count in the round trip that asks the
    kept copy's version (balikpapan_pb.preload): a message arriving, or read, shows on the very
    next page, each reader's own."""
    from notifications.models import Notification
    from notifications.services import notification_mark_read, notify

    ana, budi = resident_with_nik()[0], resident_with_nik()[0]
    a, b = signed_in(ana), signed_in(budi)
    cast(a, {"project": [project_ids(kel_area)[0]], "confirm": "1"}, kel_area)
    done = reverse("voting:done", args=[kel_area.round.slug, kel_area.pk])
    for client in (a, b):  # counted and cached; the next reads take the cached count
        client.get(ballot_url(kel_area))
    assert "data-unread" not in a.get(ballot_url(kel_area)).content.decode()
    for _message in range(2):
        notify(recipient=ana, kind="results_published", context={"round_name": "Uji"}, inbox=True)
    for path in (ballot_url(kel_area), done):
        assert 'data-unread="2"' in a.get(path).content.decode(), path
        assert "data-unread" not in b.get(path).content.decode(), path
    notification_mark_read(user=ana, notification_id=Notification.objects.filter(recipient=ana).first().pk)
    assert 'data-unread="1"' in a.get(ballot_url(kel_area)).content.decode()
    assert 'data-unread="1"' in a.get(ballot_url(kel_area)).content.decode()  # now from the cache


def test_a_ballot_page_asks_redis_once_and_a_change_between_two_pages_still_shows(kel_area, monkeypatch, admin_user):
    """The kept copy's version key is read ahead with the session, the user and the unread count
    (voting.apps registers it): the second page, and a ballot sent from it, ask Redis nothing
    else. A project withdrawn between two pages is gone from the second all the same."""
    from django.core.cache.backends.redis import RedisCache

    from balikpapan_pb.cache import SharedRedisCache
    from voting.ballot_cache import VERSION_KEY

    ana = resident_with_nik()[0]
    a = signed_in(ana)
    a.get(ballot_url(kel_area))  # this process learns her session's user and the path's view
    sent, asked = [], []
    real_send, real_get, real_get_many = SharedRedisCache.preload_send, RedisCache.get, RedisCache.get_many
    monkeypatch.setattr(SharedRedisCache, "preload_send",
                        lambda self, keys, version=None: sent.append(list(keys)) or real_send(self, keys, version))
    monkeypatch.setattr(RedisCache, "get", lambda self, key, *args, **kwargs: asked.append(key) or real_get(self, key, *args, **kwargs))
    monkeypatch.setattr(RedisCache, "get_many", lambda self, keys, *args, **kwargs: asked.append(list(keys)) or real_get_many(self, keys, *args, **kwargs))
    page = a.get(ballot_url(kel_area)).content.decode()
    assert len(sent) == 1 and VERSION_KEY in sent[0] and asked == [], (sent, asked)
    withdrawn = project_ids(kel_area)[0]
    assert withdrawn in shown(page)
    sent.clear()
    response = a.post(ballot_url(kel_area), {"project": [project_ids(kel_area)[1]], "confirm": "1",
                                             "csrfmiddlewaretoken": csrf(page)})
    assert response.status_code == 302 and len(sent) == 1 and VERSION_KEY in sent[0] and asked == [], (sent, asked)
    services.ballot_project_withdraw(proposal=Proposal.objects.get(pk=withdrawn), actor=admin_user, reason="Uji")
    assert withdrawn not in shown(a.get(ballot_url(kel_area)).content.decode())
