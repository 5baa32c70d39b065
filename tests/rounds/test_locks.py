"""Once voting opens, the ballot is locked and phases only move forward: in the services, in a
plain ModelForm and in /admin/ (issue 11: a published round was put back into voting in the admin
and its ballot type changed mid-vote)."""

import pytest
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from django.urls import reverse

from accounts.models import AuditEntry, Role
from rounds import services
from rounds.models import Area, BallotType, Round
from tests.factories import AreaFactory, RoundFactory, UserFactory, _kelurahan

pytestmark = pytest.mark.django_db

BEFORE = ["draft", "submission", "support", "review"]
LOCKED = ["voting", "tallying", "results", "implementation"]


@pytest.fixture
def superuser():
    return UserFactory(role=Role.CITIZEN, is_staff=True, is_superuser=True)


@pytest.mark.parametrize("phase", LOCKED)
@pytest.mark.parametrize(("field", "value"), [("ballot_type", BallotType.APPROVAL), ("max_choices", 2),
                                              ("points", 3), ("tally_rule", "mes"), ("add1_stop", "infeasible")])
def test_ballot_settings_are_locked_once_voting_opened(phase, field, value):
    round_ = RoundFactory(phase=phase, ballot_type=BallotType.KNAPSACK)
    setattr(round_, field, value)
    with pytest.raises(ValidationError) as error:
        services.round_save(round_=round_, actor=None)
    assert "sudah dikunci sejak pemungutan suara dibuka" in " ".join(error.value.message_dict[field])
    stored = Round.objects.get(pk=round_.pk)
    assert getattr(stored, field) != value


@pytest.mark.parametrize("phase", BEFORE)
def test_ballot_settings_change_freely_before_voting(phase):
    admin = UserFactory(role=Role.ADMIN)
    round_ = RoundFactory(phase=phase, ballot_type=BallotType.KNAPSACK)
    round_.ballot_type = BallotType.RANKED
    services.round_save(round_=round_, actor=admin)
    assert Round.objects.get(pk=round_.pk).ballot_type == BallotType.RANKED
    entry = AuditEntry.objects.get(action="round.save", actor=admin)
    assert entry.detail["ballot_type"] == ["knapsack", "ranked"]


@pytest.mark.parametrize(("stored", "target"), [("voting", "review"), ("results", "voting"), ("implementation", "draft"),
                                                ("tallying", "voting")])
def test_phases_only_move_forward_once_voting_opened(stored, target):
    round_ = RoundFactory(phase=stored)
    round_.phase = target
    with pytest.raises(ValidationError) as error:
        services.round_save(round_=round_, actor=None)
    assert "tahap hanya dapat maju" in " ".join(error.value.message_dict["phase"])
    assert Round.objects.get(pk=round_.pk).phase == stored


def test_a_phase_may_still_go_back_before_voting():
    round_ = RoundFactory(phase="review")
    round_.phase = "support"
    services.round_save(round_=round_, actor=None)
    assert Round.objects.get(pk=round_.pk).phase == "support"


@pytest.mark.parametrize("phase", LOCKED)
def test_areas_and_budgets_are_locked_once_voting_opened(phase):
    round_ = RoundFactory(phase=phase)
    area = AreaFactory(round=round_, budget=1_000_000)
    area.budget = 2_000_000
    with pytest.raises(ValidationError, match="pagunya"):
        services.area_save(area=area, actor=None)
    with pytest.raises(ValidationError, match="pagunya"):
        services.area_delete(area=area, actor=None)
    extra = Area(round=round_, level="kelurahan", kelurahan=_kelurahan("64.71.03.1001"), code="64.71.03.1001",
                 name="Batu Ampar", budget=5)
    with pytest.raises(ValidationError, match="pagunya"):
        services.area_save(area=extra, actor=None)
    assert list(Area.objects.filter(round=round_).values_list("budget", flat=True)) == [1_000_000]


def test_an_area_cannot_be_moved_into_a_locked_round():
    open_round, locked_round = RoundFactory(phase="review"), RoundFactory(phase="voting")
    area = AreaFactory(round=open_round)
    area.round = locked_round
    with pytest.raises(ValidationError):
        services.area_save(area=area, actor=None)


def test_a_plain_model_form_refuses_the_change_with_the_message():
    round_ = RoundFactory(phase="voting", ballot_type=BallotType.KNAPSACK)
    form_class = modelform_factory(Round, fields=["name", "year", "slug", "ballot_type", "max_choices", "points",
                                                  "tally_rule", "add1_stop", "phase", "flag_threshold"])
    data = {"name": round_.name, "year": round_.year, "slug": round_.slug, "ballot_type": "approval",
            "max_choices": round_.max_choices, "points": round_.points, "tally_rule": round_.tally_rule,
            "add1_stop": round_.add1_stop, "phase": "review", "flag_threshold": 3}
    form = form_class(data, instance=round_)
    assert not form.is_valid()
    assert "sudah dikunci" in form.errors["ballot_type"][0]
    assert "hanya dapat maju" in form.errors["phase"][0]


def _admin_post_data(response) -> dict:
    """What the admin change page would post back unchanged: the main form and every inline."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms.extend(formset.forms)
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = value
    return data


def test_admin_cannot_put_a_published_round_back_into_voting_nor_change_its_ballot(client, superuser):
    round_ = RoundFactory(phase="results", ballot_type=BallotType.KNAPSACK)
    area = AreaFactory(round=round_, budget=1_000_000)
    client.force_login(superuser)
    url = reverse("admin:rounds_round_change", args=[round_.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = _admin_post_data(page)
    data.update({"phase": "voting", "ballot_type": "approval", "name": "Nama baru",
                 "areas-0-budget": "9000000"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    round_.refresh_from_db()
    area.refresh_from_db()
    assert (round_.phase, round_.ballot_type, round_.name) == ("results", "knapsack", "Nama baru")
    assert area.budget == 1_000_000
    # No way to delete the round or its areas either.
    assert client.get(reverse("admin:rounds_round_delete", args=[round_.pk])).status_code == 403
    assert client.post(reverse("admin:rounds_area_delete", args=[area.pk]), {"post": "yes"}).status_code == 403
    assert Area.objects.filter(pk=area.pk).exists()


def test_admin_area_page_keeps_the_budget_of_a_locked_round(client, superuser):
    round_ = RoundFactory(phase="voting")
    area = AreaFactory(round=round_, budget=1_000_000)
    client.force_login(superuser)
    url = reverse("admin:rounds_area_change", args=[area.pk])
    data = _admin_post_data(client.get(url))
    data.update({"budget": "5", "name": "Gunung Bahagia (ubah)"})
    assert client.post(url, data).status_code == 302
    area.refresh_from_db()
    assert (area.budget, area.name) == (1_000_000, "Gunung Bahagia (ubah)")


def test_admin_edits_the_ballot_before_voting_and_it_is_audited(client, superuser):
    round_ = RoundFactory(phase="review", ballot_type=BallotType.KNAPSACK)
    area = AreaFactory(round=round_, budget=1_000_000)
    client.force_login(superuser)
    url = reverse("admin:rounds_round_change", args=[round_.pk])
    data = _admin_post_data(client.get(url))
    data.update({"ballot_type": "approval", "areas-0-budget": "2000000"})
    assert client.post(url, data).status_code == 302
    round_.refresh_from_db()
    area.refresh_from_db()
    assert (round_.ballot_type, area.budget) == ("approval", 2_000_000)
    assert AuditEntry.objects.filter(action="round.save", actor=superuser).exists()
    assert AuditEntry.objects.filter(action="area.save", actor=superuser).exists()
