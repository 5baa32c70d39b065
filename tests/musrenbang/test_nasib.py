"""Nasib usulan: per kelurahan and kecamatan, how many reached each stage, the share realised,
what waits and why; public; a fixed number of queries."""

import pytest
from django.urls import reverse

from musrenbang.models import Recommendation, Stage
from musrenbang.services import journey_step_record
from proposals.models import Status
from tests.factories import AreaFactory, ProposalFactory, RoundFactory, _kelurahan, kecamatan_area

pytestmark = pytest.mark.django_db


def walk(proposal, stages, last=Recommendation.ACCEPTED, reason="Alasan"):
    for index, stage in enumerate(stages):
        recommendation = last if index == len(stages) - 1 else Recommendation.ACCEPTED
        journey_step_record(proposal=proposal, stage=stage, recommendation=recommendation, reason=f"{reason} {stage}",
                            actor=None)


ALL = list(Stage.values)


@pytest.fixture
def history():
    old, new = RoundFactory(year=2026, phase="implementation"), RoundFactory(year=2027, phase="review")
    old_area, new_area = AreaFactory(round=old), AreaFactory(round=new)
    done = ProposalFactory(area=old_area, status=Status.COMPLETED, title="Jalan selesai")
    walk(done, ALL)
    deferred = ProposalFactory(area=old_area, status=Status.NOT_SELECTED, title="Drainase ditunda")
    walk(deferred, ALL[:3], Recommendation.DEFERRED, reason="Pagu kecamatan habis")
    ProposalFactory(area=old_area, status=Status.FEASIBLE, title="Belum dibahas")
    refused = ProposalFactory(area=new_area, status=Status.APPROVED, title="Lahan sengketa")
    walk(refused, ALL[:2], Recommendation.REFUSED, reason="Lahan bukan milik pemkot")
    ProposalFactory(area=new_area, status=Status.DRAFT, title="Draf tidak dihitung")
    ProposalFactory(area=AreaFactory(round=new, kelurahan=_kelurahan("64.71.03.1001")), status=Status.APPROVED,
                    title="Usulan Batu Ampar")
    kecamatan_level = ProposalFactory(area=kecamatan_area(new), status=Status.APPROVED, title="Jembatan kecamatan")
    return old, new, kecamatan_level


def test_the_kelurahan_page_counts_stages_and_the_share_realised(client, history, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get(reverse("musrenbang:nasib_kelurahan", args=["64.71.05.1006"]))
    assert response.status_code == 200
    context = response.context
    rows = {row["year"]: row for row in context["rows"]}
    assert rows[2026]["count"] == 3 and rows[2026]["reached"] == [2, 2, 1, 1, 1, 1, 1, 1, 1]
    assert rows[2026]["share"] == 33
    assert rows[2027]["count"] == 1 and rows[2027]["reached"] == [1, 0, 0, 0, 0, 0, 0, 0, 0]
    assert rows[None]["count"] == 4 and rows[None]["share"] == 25
    page = response.content.decode()
    assert "25% terwujud: 1 dari 4 usulan" in page
    assert "Draf tidak dihitung" not in page and "Usulan Batu Ampar" not in page
    waiting = [item["proposal"].title for item in context["waiting"]]
    assert waiting == ["Lahan sengketa", "Drainase ditunda"]
    assert "Lahan bukan milik pemkot kelurahan" in page and "Pagu kecamatan habis kecamatan" in page


def test_the_kecamatan_page_includes_its_kelurahan_and_its_own_usulan(client, history):
    response = client.get(reverse("musrenbang:nasib_kecamatan", args=["64.71.05"]))
    assert response.status_code == 200
    titles = response.content.decode()
    assert response.context["total"]["count"] == 5  # four of Gunung Bahagia, one of the kecamatan
    assert "Usulan Batu Ampar" not in titles


def test_an_unknown_code_is_a_404(client):
    assert client.get(reverse("musrenbang:nasib_kelurahan", args=["99.99"])).status_code == 404
