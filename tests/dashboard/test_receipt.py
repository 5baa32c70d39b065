"""The receipt check: a voter finds their ballot in the published file, and nothing more."""

import pytest
from django.urls import reverse

from voting.models import Ballot

from .conftest import build_round

pytestmark = pytest.mark.django_db
URL = reverse("dashboard:receipt_check")


def test_a_receipt_is_found_in_the_published_file(client, published):
    ballot = Ballot.objects.filter(area=published.area, blank=False).first()
    response = client.get(URL, {"kode": ballot.receipt_code.lower().replace("-", " ")})
    html = response.content.decode()
    assert response.status_code == 200
    assert "ada di berkas yang diumumkan" in html and ballot.receipt_code in html
    pb = client.get(reverse("dashboard:area_pb", args=[published.round.slug, published.area.code])).content.decode()
    line = next(line for line in pb.splitlines() if line.startswith(ballot.receipt_code + ";"))
    for pid in line.split(";")[1].split(","):
        assert f"(id {pid})" in html
    assert ballot.voter_key not in html and str(ballot.pk) not in html


@pytest.mark.parametrize("code", ["", "ABCD", "0000-1111-OOOO", "<script>alert(1)</script>", "A" * 200, "%00"])
def test_a_malformed_code_gets_a_clear_message(client, published, code):
    response = client.get(URL, {"kode": code})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["found"] is None


def test_an_unknown_or_unpublished_code_is_not_found(client, db):
    built = build_round(slug="ap-wait", publish=False)
    ballot = Ballot.objects.filter(area=built.area).first()
    for code in [ballot.receipt_code, "ZZZZ-ZZZZ-ZZZZ"]:
        response = client.get(URL, {"kode": code})
        assert response.status_code == 200
        assert response.context["checked"] and response.context["found"] is None
        assert "tidak ada di berkas" in response.content.decode()
