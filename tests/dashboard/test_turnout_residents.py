"""The council's turnout tables count residents, hide only what must be hidden, and rank real priorities."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from accounts.models import Role
from dashboard import selectors
from dashboard.suppression import BELOW, HIDDEN
from proposals.models import Proposal, Status
from rounds.models import Area, AreaLevel
from tests.factories import UserFactory, make_nik
from voting import services as voting_services
from voting.models import Channel, Participation
from wilayah.models import Kecamatan

from .conftest import build_round
from .test_suppression import assert_safe

pytestmark = pytest.mark.django_db
URL = reverse("dashboard:council")
AGES = ["17-24", "25-34", "35-44", "45-54", "55+"]


def _people(round_, area, kecamatan_id, n, *, prefix, age=None, gender=None, channel=Channel.ONLINE, bands=5):
    Participation.objects.bulk_create(
        Participation(round=round_, area=area, nik_hash=f"{prefix}-{i:06d}".ljust(64, "x"), channel=channel,
                      age_band=age or AGES[i % bands], gender=gender or "LP"[i % 2], kecamatan_id=kecamatan_id)
        for i in range(n))


@pytest.fixture
def city_turnout(db):
    """A city with thousands of voters: each kecamatan's residents vote in their kelurahan and again
    in the city-wide area; one kecamatan has only 3 voters aged 55+."""
    built = build_round(slug="ap-kota", voters=0)
    round_ = built.round
    city = Area.objects.create(round=round_, level=AreaLevel.KOTA, code="64.71", name="Kota Balikpapan",
                               budget=5_000_000_000)
    kecamatans = list(Kecamatan.objects.order_by("code"))
    for k, kecamatan in enumerate(kecamatans):
        prefix = f"warga-{kecamatan.pk}"
        n, bands = 400 + 37 * k, 4 if k == 0 else 5  # the first kecamatan: nobody 55+ but the 3 below
        _people(round_, built.area, kecamatan.pk, n, prefix=prefix, bands=bands)  # their own (kelurahan) ballot
        _people(round_, city, kecamatan.pk, n, prefix=prefix, bands=bands,
                channel=Channel.PAPER if k % 2 else Channel.ONLINE)
    _people(round_, built.area, kecamatans[0].pk, 3, prefix="sepuh", age="55+", gender="P")
    return built, kecamatans


def test_residents_are_counted_once_and_city_totals_in_the_thousands_stay_numbers(city_turnout):
    built, kecamatans = city_turnout
    tables = selectors.turnout_tables(round=built.round, kecamatan_rows=kecamatans)
    gender, age, channel = tables["gender"], tables["age"], tables["channel"]
    people = sum(400 + 37 * k for k in range(len(kecamatans))) + 3
    assert gender.total.value == people, "a resident with two ballots is one voter"
    assert None not in gender.rows, "no 'tidak diketahui' row when everyone's kecamatan is known"
    assert "" not in gender.columns and "" not in age.columns, "no empty 'unknown' column forcing cells out"
    for table in (gender, age):
        assert_safe(table)
        assert table.total.shown
        for column in table.columns:
            assert table.column_totals[column].shown, (column, table.column_totals[column])
        for row in table.rows:
            assert table.row_totals[row].shown
    # One small cell: hidden, with the fewest others (same row, same column, and their corner).
    small = age.cell(kecamatans[0].pk, "55+")
    assert small.display == BELOW
    hidden = [c for c in age.all_cells() if not c.shown]
    assert len(hidden) == 4 and sum(c.display == HIDDEN for c in hidden) == 3
    assert channel.total.value == 2 * (people - 3) + 3, "the channel table counts ballots"
    assert_safe(channel)


def test_the_council_page_shows_thousands_as_numbers_and_turnout_against_population(client, council_user, city_turnout):
    built, kecamatans = city_turnout
    client.force_login(council_user)
    html = client.get(URL, {"putaran": built.round.slug}).content.decode()
    section = html[html.index('id="partisipasi-judul"'):html.index('id="peta-judul"')]
    assert "Tidak diketahui" not in section
    cells = re.findall(r'<td class="text-end[^"]*"[^>]*>([^<]*)</td>', section)
    for text in cells:
        digits = text.replace(".", "").replace(",", "").replace("%", "").strip()
        if digits.isdigit():
            assert int(digits) >= 10 or "%" in text, f"a number under 10 is shown: {text!r}"
    people = sum(400 + 37 * k for k in range(len(kecamatans))) + 3
    assert f"{people:,}".replace(",", ".") in section, "the city total of voters is shown as a number"
    assert "Penduduk" in section
    first = kecamatans[0]
    assert f"{first.population:,}".replace(",", ".") in section


def test_a_city_paper_ballot_of_an_unregistered_resident_counts_in_the_forums_kecamatan(db):
    """A paper ballot comes from a kelurahan forum, which takes only that kelurahan's residents
    (issue 12): the forum says where the voter lives. The NIK's region says only where it was
    first issued, often another city or another kecamatan."""
    from tests.voting.conftest import make_round

    round_ = make_round(slug="ap-kertas")
    city = round_.test_areas["kota"]
    moderator = UserFactory(role=Role.MODERATOR)
    moderator.moderated_kelurahan.add(round_.test_areas["kel"].kelurahan)
    nik = make_nik(birth=dt.date(1980, 5, 5), region="647103")  # first registered in Balikpapan Utara
    voting_services.paper_ballot_enter(moderator=moderator, nik=nik, area=city, choices=[], blank=True)
    forum_kecamatan = round_.test_areas["kel"].kelurahan.kecamatan_id
    assert forum_kecamatan != "64.71.03"
    assert Participation.objects.get(round=round_, area=city).kecamatan_id == forum_kecamatan
    tables = selectors.turnout_tables(round=round_, kecamatan_rows=list(Kecamatan.objects.order_by("code")))
    assert None not in tables["gender"].rows


def test_priorities_show_only_ballot_projects_and_no_share_of_a_handful(client, council_user):
    built = build_round(slug="ap-sedikit", voters=1)
    Proposal.objects.bulk_create([
        Proposal(round=built.round, area=built.area, category=built.proposals[0].category, title=f"Usulan {status}",
                 description="-", estimated_cost=10_000_000, status=status)
        for status in (Status.REJECTED, Status.MERGED, Status.INFEASIBLE, Status.APPROVED)
    ])
    client.force_login(council_user)
    response = client.get(URL, {"putaran": built.round.slug})
    priorities = response.context["data"]["priorities"]
    titles = {p.proposal.title for p in priorities}
    assert {p.title for p in built.proposals} <= titles
    assert not any(title.startswith("Usulan ") for title in titles), "rejected, merged, infeasible, never valued"
    assert all(p.share is None for p in priorities), "one voter is not a share"
    assert "100,0" not in response.content.decode()
