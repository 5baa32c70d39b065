"""Every Musrenbang form fed junk by hypothesis, as the role that may use it: never a 500."""

from urllib.parse import quote

import pytest
from django.urls import reverse
from hypothesis import given

from accounts.models import Role
from proposals.models import KamusItem, Status
from rounds.models import Phase
from tests.factories import AreaFactory, ProposalFactory, RoundFactory, UserFactory, category_get
from tests.site.test_form_fuzz import EXAMPLES, _signed_in, assert_answers, fields
from tests.voting.conftest import GUNUNG_BAHAGIA
from wilayah.models import Kelurahan

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(db):
    old = RoundFactory(phase=Phase.RESULTS, year=2026, slug="ap-fuzz-2026")
    new = RoundFactory(phase=Phase.SUBMISSION, year=2027, slug="ap-fuzz-2027")
    kel = Kelurahan.objects.get(code=GUNUNG_BAHAGIA)
    area = AreaFactory(round=old, kelurahan=kel)
    AreaFactory(round=new, kelurahan=kel)
    lpm = UserFactory(role=Role.MODERATOR)
    lpm.moderated_kelurahan.add(kel)
    proposal = ProposalFactory(area=area, status=Status.NOT_SELECTED)
    KamusItem.objects.create(code="DR-01", name="U-ditch", unit="m", unit_price=1_250_000,
                             category=category_get("drainase-banjir"), opd="DPU")
    return {"old": old, "new": new, "lpm": lpm, "proposal": proposal, "kel": kel}


@EXAMPLES
@given(data=fields("recommendation", "reason", "recommended_amount"))
def test_journey_step_form(desk, data):
    client = _signed_in(desk["lpm"])
    assert_answers(client.post(reverse("musrenbang:record", args=[desk["proposal"].pk]), data), "record")


@EXAMPLES
@given(data=fields("held_at", "place", "officers", "attendance_men", "attendance_women", "delegates", "notes",
                   "prioritas_1", "prioritas_2", extra=3))
def test_forum_form(desk, data):
    client = _signed_in(desk["lpm"])
    url = reverse("musrenbang:forum_create", args=[desk["old"].slug, "kelurahan", GUNUNG_BAHAGIA])
    assert_answers(client.post(url, data), "forum")


@EXAMPLES
@given(data=fields("to_round", "reason"), query=fields("tingkat"))
def test_carry_over_form_and_the_export_query(desk, data, query):
    client = _signed_in(desk["proposal"].proposer)
    assert_answers(client.post(reverse("musrenbang:carry", args=[desk["proposal"].pk]), data), "carry")
    admin = _signed_in(UserFactory(role=Role.ADMIN))
    assert_answers(admin.get(reverse("musrenbang:sipd", args=[desk["old"].slug]), query), "sipd")


@pytest.mark.parametrize("code", ["\x00", "64.71.05.1006\x00", "²", "x" * 3000, "..", "%00"])
def test_junk_codes_in_urls_are_404s(client, code):
    # The URL is written by hand: reverse() itself refuses a code of the wrong shape.
    for name in ("musrenbang:nasib_kelurahan", "musrenbang:nasib_kecamatan"):
        url = reverse(name, args=["64.71.05.1006"]).replace("64.71.05.1006", quote(code, safe="%"))
        assert client.get(url).status_code in {400, 404}  # 400: the NUL-byte guard


@pytest.mark.parametrize("code", ["\x00", "64.71.05\x00", "x" * 300])
def test_junk_codes_in_forum_urls_are_404s(desk, code):
    client = _signed_in(UserFactory(role=Role.ADMIN))
    for level in ("kelurahan", "kecamatan", "desa"):
        url = reverse("musrenbang:forum_create", args=[desk["old"].slug, "kota", "64.71"])
        url = url.replace("/kota/64.71/", f"/{level}/{quote(code, safe='%')}/")
        assert client.get(url).status_code in {400, 404}
