"""Paper ballots belong to a kelurahan forum (issue 14): reached from the forum page of the
officer's kelurahan, counted per officer on the forum page and the tally (audit) page, and never
linked to which ballot an officer entered."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from musrenbang.models import Forum
from tests.factories import UserFactory, make_nik
from tests.voting.conftest import BATU_AMPAR, GUNUNG_BAHAGIA, make_round, project_ids
from voting import services
from voting.models import Participation
from wilayah.models import Kelurahan

pytestmark = pytest.mark.django_db


def officer(code=GUNUNG_BAHAGIA, name="Hendra Wijaya"):
    user = UserFactory(role=Role.MODERATOR, full_name=name)
    user.moderated_kelurahan.add(Kelurahan.objects.get(code=code))
    return user


def forum_of(round_, code=GUNUNG_BAHAGIA):
    return Forum.objects.create(round=round_, level="kelurahan", kelurahan_id=code,
                                held_at=dt.datetime(2027, 1, 15, 1, tzinfo=dt.UTC), place="Aula", officers="Ketua LPM")


@pytest.fixture
def setting():
    round_ = make_round()
    return round_, forum_of(round_), forum_of(round_, BATU_AMPAR)


def test_the_forum_page_leads_its_officer_to_the_paper_ballots_of_its_areas(client, setting):
    round_, forum, other_forum = setting
    lpm = officer()
    client.force_login(lpm)
    page = client.get(reverse("musrenbang:forum", args=[forum.pk])).content.decode()
    for key in ("kel", "kec", "kota"):
        url = reverse("voting:paper", args=[round_.slug, round_.test_areas[key].pk]) + f"?kelurahan={GUNUNG_BAHAGIA}"
        assert url in page
        assert client.get(url).status_code == 200
    assert reverse("voting:paper", args=[round_.slug, round_.test_areas["other"].pk]) not in page
    # Batu Ampar's forum page offers Gunung Bahagia's officer nothing to enter
    other_page = client.get(reverse("musrenbang:forum", args=[other_forum.pk])).content.decode()
    assert "/kertas/" not in other_page


@pytest.mark.parametrize("who", ["anonymous", "resident", "admin", "superuser", "other_officer"])
def test_nobody_else_sees_the_paper_links(client, setting, who):
    round_, forum, _ = setting
    people = {"resident": UserFactory(), "admin": UserFactory(role=Role.ADMIN, is_staff=True),
              "superuser": UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True),
              "other_officer": officer(BATU_AMPAR)}
    if who != "anonymous":
        client.force_login(people[who])
    page = client.get(reverse("musrenbang:forum", args=[forum.pk])).content.decode()
    assert "/kertas/" not in page


def test_each_officers_entries_are_counted_per_forum(client, setting):
    round_, forum, other_forum = setting
    first, second, batu_ampar = officer(name="Hendra Wijaya"), officer(name="Rina Marlina"), officer(BATU_AMPAR, "Agus Salim")
    city = round_.test_areas["kota"]
    for lpm, n in ((first, 3), (second, 2), (batu_ampar, 1)):
        for _ in range(n):
            services.paper_ballot_enter(moderator=lpm, nik=make_nik(), area=city, choices=project_ids(city)[:1])
    services.paper_ballot_enter(moderator=first, nik=make_nik(), area=round_.test_areas["kel"], choices=[], blank=True)

    client.force_login(first)
    page = client.get(reverse("musrenbang:forum", args=[forum.pk])).content.decode()
    assert "6 surat suara kertas dicatat di forum ini" in page
    table = page[page.index('id="paper-entries"'):]
    assert "Hendra Wijaya</td><td class=\"text-end\">4" in table and "Rina Marlina</td><td class=\"text-end\">2" in table
    assert "Agus Salim" not in table
    other = client.get(reverse("musrenbang:forum", args=[other_forum.pk])).content.decode()
    assert "1 surat suara kertas dicatat di forum ini" in other

    # The public sees the forum's total, not the officers' counts.
    client.logout()
    public = client.get(reverse("musrenbang:forum", args=[forum.pk])).content.decode()
    assert "6 surat suara kertas dicatat di forum ini" in public and 'id="paper-entries"' not in public

    # The tally page (the admin's audit of the round) counts every forum and officer.
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True))
    tally = client.get(reverse("voting:tally", args=[round_.slug])).content.decode()
    rows = tally[tally.index('id="paper-entries"'):]
    for name, n in (("Hendra Wijaya", 4), ("Rina Marlina", 2), ("Agus Salim", 1)):
        assert f"{name}</td><td class=\"text-end\">{n}" in rows


def test_the_count_links_no_ballot_to_an_officer(setting):
    """What is stored for a paper entry says who entered a ballot at which forum, never which one."""
    round_, _forum, _ = setting
    services.paper_ballot_enter(moderator=officer(), nik=make_nik(), area=round_.test_areas["kel"], choices=[], blank=True)
    fields = {f.name for f in Participation._meta.get_fields()}
    assert not any("ballot" in name or "receipt" in name or "choice" in name for name in fields)
