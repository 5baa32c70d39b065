"""After publication every proposal says how it ended, and only funded projects are 'being built'."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from proposals.models import Proposal, Status, StatusChange
from rounds.models import Phase, Round
from voting import services
from voting.models import ResultSnapshot

from .conftest import make_round, project_ids, resident_with_nik

pytestmark = pytest.mark.django_db


def _badge(html: str) -> str:
    return re.search(r'<p [^>]*id="status">\s*<span class="badge[^"]*">([^<]+)</span>', html).group(1)


@pytest.fixture
def published_round(django_capture_on_commit_callbacks):
    round_ = make_round(phase=Phase.VOTING, slug="ap-nasib")
    kel = round_.test_areas["kel"]
    ids = project_ids(kel)  # 80, 120, 250, 300 and 450 million on a pagu of 1 billion
    for _ in range(2):
        voter, _nik = resident_with_nik()
        services.ballot_cast(voter=voter, area=kel, choices=ids[:3])
    extra = {status: Proposal.objects.create(
        round=round_, area=kel, category=Proposal.objects.filter(area=kel).first().category, title=f"Usulan {status}",
        description="Uji", estimated_cost=50_000_000, status=status)
        for status in (Status.APPROVED, Status.INFEASIBLE, Status.MERGED)}
    Round.objects.filter(pk=round_.pk).update(phase=Phase.RESULTS)
    round_.refresh_from_db()
    for area in round_.test_areas.values():
        services.area_tally(round=round_, area=area, rule=round_.tally_rule)
    # Before publication the workflow status shows, as it did.
    funded = Proposal.objects.get(pk=ids[0])
    round_.before = _badge(Client().get(funded.get_absolute_url()).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        services.round_publish(round=round_, actor=None)
    round_.ids, round_.extra = ids, extra
    return round_


def test_each_proposal_page_and_card_shows_its_final_state_in_words(client, published_round):
    assert published_round.before == "Layak"
    ids, extra = published_round.ids, published_round.extra
    page = lambda pk: client.get(reverse("proposals:detail", args=[pk])).content.decode()  # noqa: E731
    assert _badge(page(ids[0])) == "Didanai"
    assert _badge(page(ids[4])) == "Tidak didanai", "450 million no longer fits after the others"
    assert _badge(page(extra[Status.APPROVED].pk)) == "Tidak masuk surat suara: belum dinilai oleh verifikator"
    assert _badge(page(extra[Status.INFEASIBLE].pk)) == "Tidak masuk surat suara: tidak layak menurut verifikator"
    listing = client.get(reverse("proposals:list") + f"?putaran={published_round.slug}").content.decode()
    assert "Layak</span>" not in listing and "Disetujui LPM</span>" not in listing
    assert "Didanai</span>" in listing and "Tidak didanai</span>" in listing
    # The public history records the outcome.
    assert StatusChange.objects.filter(proposal_id=ids[0], to_status=Status.SELECTED).exists()
    assert Proposal.objects.get(pk=ids[4]).status == Status.NOT_SELECTED


def test_the_implementation_list_shows_only_what_the_published_result_funded(client, published_round):
    ids = published_round.ids
    # A status set by hand does not make a project funded once a published result says otherwise.
    Proposal.objects.filter(pk=ids[4]).update(status=Status.IN_PROGRESS)
    html = client.get(reverse("dashboard:round_projects", args=[published_round.slug])).content.decode()
    kel = published_round.test_areas["kel"]
    snapshot = ResultSnapshot.objects.get(area=kel, published_at__isnull=False)
    for pk in ids:
        title = Proposal.objects.get(pk=pk).title
        assert (title in html) == (str(pk) in snapshot.result["selected"]), title
    assert client.get(reverse("dashboard:project", args=[ids[4]])).status_code == 404
