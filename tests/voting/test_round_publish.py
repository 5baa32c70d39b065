"""Publishing a round is one confirmed step for all its areas, and each resident hears of it once."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from notifications.models import FanoutBatch
from rounds.models import Phase, PhaseSchedule, Round
from tests.factories import UserFactory
from voting import services
from voting.models import ResultSnapshot

from .conftest import BATU_AMPAR, make_round, resident_with_nik

pytestmark = pytest.mark.django_db


def _tallied(phase=Phase.RESULTS):
    round_ = make_round(phase=phase, slug="ap-umum")
    for area in round_.test_areas.values():
        services.area_tally(round=round_, area=area, rule=round_.tally_rule)
    return round_


def _told() -> dict[int, list[dict]]:
    """Every results message queued, per recipient."""
    told: dict[int, list[dict]] = {}
    for batch in FanoutBatch.objects.filter(kind="results_published"):
        for pk in batch.recipient_ids:
            told.setdefault(pk, []).append({**batch.context, "url": batch.url})
    return told


def test_one_step_publishes_every_area_and_tells_each_resident_once_of_all_their_areas(
        django_capture_on_commit_callbacks):
    round_ = _tallied()
    gunung, _ = resident_with_nik()
    batu, _ = resident_with_nik(kelurahan_code=BATU_AMPAR)
    with django_capture_on_commit_callbacks(execute=True):
        published = services.round_publish(round=round_, actor=None)
    assert len(published) == 4
    assert ResultSnapshot.objects.filter(round=round_, published_at__isnull=True).count() == 0
    assert Round.objects.get(pk=round_.pk).results_published_at is not None
    told = _told()
    assert len(told[gunung.pk]) == 1 and len(told[batu.pk]) == 1, "one message per resident, not one per area"
    message = told[gunung.pk][0]
    areas = round_.test_areas
    for name in (areas["kel"].name, areas["kec"].name, areas["kota"].name):
        assert name in message["area_name"]
    assert areas["other"].name not in message["area_name"]
    assert message["url"] == reverse("dashboard:round_results", args=[round_.slug])
    assert areas["other"].name in told[batu.pk][0]["area_name"] and areas["kel"].name not in told[batu.pk][0]["area_name"]
    with pytest.raises(ValidationError):  # twice is refused, and nobody is told twice
        services.round_publish(round=round_, actor=None)


def test_area_by_area_publishing_before_the_round_is_quiet_and_a_later_correction_tells_that_area(
        django_capture_on_commit_callbacks):
    round_ = _tallied()
    gunung, _ = resident_with_nik()
    batu, _ = resident_with_nik(kelurahan_code=BATU_AMPAR)
    first = ResultSnapshot.objects.get(round=round_, area=round_.test_areas["kel"])
    with django_capture_on_commit_callbacks(execute=True):
        services.snapshot_publish(snapshot=first, actor=None)
    assert _told() == {}, "nobody is told until the round is published"
    with django_capture_on_commit_callbacks(execute=True):
        assert len(services.round_publish(round=round_, actor=None)) == 3
    assert len(_told()[gunung.pk]) == 1
    # A correction after publication (a new tally of one area) tells that area's residents only.
    other = round_.test_areas["other"]
    ResultSnapshot.objects.filter(area=other).delete()
    correction = services.area_tally(round=round_, area=other, rule=round_.tally_rule)
    with django_capture_on_commit_callbacks(execute=True):
        services.snapshot_publish(snapshot=correction, actor=None)
    told = _told()
    assert len(told[batu.pk]) == 2 and len(told[gunung.pk]) == 1
    assert told[batu.pk][1]["url"] == reverse("dashboard:area_results", args=[round_.slug, other.code])


def test_publishing_is_refused_while_an_area_has_no_result_or_outside_the_results_phase():
    round_ = make_round(phase=Phase.RESULTS, slug="ap-kurang")
    services.area_tally(round=round_, area=round_.test_areas["kel"], rule=round_.tally_rule)
    with pytest.raises(ValidationError, match="Batu Ampar"):
        services.round_publish(round=round_, actor=None)
    assert not ResultSnapshot.objects.filter(published_at__isnull=False).exists()
    tallying = _tallied(phase=Phase.TALLYING)
    with pytest.raises(ValidationError, match="tahap hasil"):
        services.round_publish(round=tallying, actor=None)


def test_no_publish_button_during_tallying_even_for_a_superuser(client):
    round_ = _tallied(phase=Phase.TALLYING)
    superuser = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(superuser)
    html = client.get(reverse("voting:tally", args=[round_.slug])).content.decode()
    assert reverse("voting:round_publish", args=[round_.slug]) not in html
    assert "Umumkan wilayah ini" not in html
    assert "tahap hasil" in html, "the page says why publishing waits"


def test_the_admin_confirms_what_will_happen_then_publishes_in_one_step(client, django_capture_on_commit_callbacks):
    round_ = _tallied()
    resident_with_nik()
    resident_with_nik(kelurahan_code=BATU_AMPAR)
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, kelurahan=None))
    tally = client.get(reverse("voting:tally", args=[round_.slug])).content.decode()
    url = reverse("voting:round_publish", args=[round_.slug])
    assert url in tally
    confirm = client.get(url).content.decode()
    assert "4 wilayah" in confirm and "2 warga terdaftar menerima satu pesan" in confirm
    assert not ResultSnapshot.objects.filter(published_at__isnull=False).exists(), "looking is not publishing"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:round_results", args=[round_.slug])
    assert ResultSnapshot.objects.filter(published_at__isnull=False).count() == 4
    assert "sudah diumumkan" in client.get(url).content.decode()


def test_a_phase_move_asks_first_says_who_is_told_and_moves_the_timeline(client, django_capture_on_commit_callbacks):
    round_ = make_round(phase=Phase.REVIEW, slug="ap-tahap")
    later = timezone.now() + dt.timedelta(days=10)
    PhaseSchedule.objects.create(round=round_, phase=Phase.REVIEW, start=timezone.now() - dt.timedelta(days=3), end=later)
    PhaseSchedule.objects.create(round=round_, phase=Phase.VOTING, start=later, end=later + dt.timedelta(days=7))
    resident_with_nik()
    resident_with_nik(kelurahan_code=BATU_AMPAR)
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, kelurahan=None))
    detail = client.get(reverse("rounds:detail", args=[round_.slug])).content.decode()
    url = reverse("rounds:advance", args=[round_.slug])
    assert f'href="{url}"' in detail, "the button leads to a confirmation, it does not move the round"
    confirm = client.get(url).content.decode()
    assert Round.objects.get(pk=round_.pk).phase == Phase.REVIEW
    assert "Pemungutan suara" in confirm and "2 warga terdaftar" in confirm and "Pemungutan suara dibuka" in confirm
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert Round.objects.get(pk=round_.pk).phase == Phase.VOTING
    voting = PhaseSchedule.objects.get(round=round_, phase=Phase.VOTING)
    review = PhaseSchedule.objects.get(round=round_, phase=Phase.REVIEW)
    now = timezone.now()
    assert voting.start <= now < voting.end and review.end <= now, "the timeline shows the move as it happened"
    page = client.get(reverse("rounds:detail", args=[round_.slug])).content.decode()
    assert timezone.localtime(voting.start).strftime("%-d") in page
