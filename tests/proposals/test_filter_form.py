"""The list's filter form: drawn without a template per widget and per option (issue 16), with
the same fields, labels, ids, chosen values and error messages as crispy-bootstrap5 drew them."""

import re

import pytest
from django.urls import reverse

from proposals.models import Status
from tests.factories import AreaFactory, ProposalFactory, RoundFactory

pytestmark = pytest.mark.django_db
FIELDS = ["q", "wilayah", "kategori", "status", "urut"]


@pytest.fixture
def round_():
    round_ = RoundFactory(phase="support")
    for n, name in enumerate(["Gunung Bahagia", "Sepinggan", "Damai"]):
        ProposalFactory(area=AreaFactory(round=round_, name=name, code=f"64.71.test.{n}"), status=Status.APPROVED)
    return round_


def filter_form(response) -> str:
    assert response.status_code == 200
    form = re.search(r'<form method="get"[^>]*role="search">.*?</form>', response.content.decode(), re.S).group(0)
    return re.sub(r"\s*([<>])\s*", r"\1", re.sub(r"\s+", " ", form))  # whitespace between tags aside


@pytest.mark.parametrize("name", ["proposals:list", "proposals:map"])
def test_the_form_renders_no_template_per_widget_or_option(client, round_, name):
    response = client.get(reverse(name), {"putaran": round_.slug, "q": "drainase", "status": "x"})
    used = [template.name for template in response.templates]
    assert "proposals/_filters.html" in used
    assert not [t for t in used if t.startswith(("django/forms/", "bootstrap5/"))], used


def test_every_field_keeps_its_label_id_and_parameter(client, round_):
    form = filter_form(client.get(reverse("proposals:list"), {"putaran": round_.slug}))
    assert re.findall(r'name="([a-z]+)"', form) == ["putaran", *FIELDS]
    for field in FIELDS:
        assert f'<label for="id_{field}" class="form-label">' in form
        assert len(re.findall(rf'id="id_{field}"', form)) == 1
    assert '<option value="" selected>Semua wilayah</option>' in form
    assert re.search(r'<option value="\d+">Sepinggan</option>', form)
    assert "selected" not in form.split('name="urut"')[1]  # as Select drew it: the first option shows
    english = filter_form(client.get("/en" + reverse("proposals:list"), {"putaran": round_.slug}))
    assert '<label for="id_q" class="form-label">Search</label>' in english
    assert '<option value="" selected>All areas</option>' in english


def test_chosen_values_are_shown_and_escaped(client, round_):
    area = round_.areas.get(name="Damai")
    form = filter_form(client.get(reverse("proposals:list"), {
        "putaran": round_.slug, "q": '"><script>alert(1)</script>', "wilayah": area.pk, "kategori": "jalan-jembatan",
        "status": "approved", "urut": "dukungan"}))
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in form and "<script>" not in form
    assert f'<option value="{area.pk}" selected>Damai</option>' in form
    assert '<option value="jalan-jembatan" selected>' in form
    assert '<option value="approved" selected>Disetujui LPM</option>' in form
    assert '<option value="dukungan" selected>Dukungan terbanyak</option>' in form
    assert form.count(" selected>") == 4


def test_a_bad_value_is_reported_on_its_field(client, round_):
    form = filter_form(client.get(reverse("proposals:list"), {"putaran": round_.slug, "wilayah": "abc"}))
    assert ('<select name="wilayah" class="select form-select is-invalid" aria-invalid="true" '
            'aria-describedby="id_wilayah_error" id="id_wilayah">') in form
    assert re.search(r'<div id="id_wilayah_error" class="invalid-feedback"><p id="error_1_id_wilayah"><strong>'
                     r"[^<]*abc[^<]*</strong></p></div>", form)
    assert "is-invalid" not in form.split('name="kategori"')[1]
    assert '<option value="" selected>' not in form.split('name="wilayah"')[1].split("</select>")[0]
