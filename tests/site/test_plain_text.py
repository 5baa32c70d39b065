"""Pages say things once and plainly: no doubled level names, an icon for the tab, no icon that does not exist."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from proposals.forms import ProposalForm
from rounds.models import AreaLevel
from tests.factories import AreaFactory, RoundFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_proposal_form_names_each_area_once():
    round_ = RoundFactory()
    AreaFactory(round=round_, level=AreaLevel.KOTA, code="64.71", name="Kota Balikpapan", kelurahan=None, kecamatan=None)
    form = ProposalForm(round_=round_, user=UserFactory())
    labels = [label for _pk, label in form.fields["area"].choices]
    assert "Kota Balikpapan" in labels
    assert not any(label.startswith(("Kota Kota", "Kecamatan Kecamatan", "Kelurahan Kelurahan")) for label in labels)


def test_every_page_names_its_icon(client):
    html = client.get("/").content.decode()
    assert 'rel="icon"' in html and "favicon.svg" in html


def test_the_registration_page_mentions_no_bell_icon():
    request = RequestFactory().get("/")
    request.user = UserFactory(phone="081234567890")
    html = render_to_string("accounts/register_done.html", {"user": request.user}, request=request)
    assert "lonceng" not in html and "Kotak masuk" in html
