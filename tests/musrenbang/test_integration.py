"""With a real Celery worker and Redis: publishing a PB result through voting moves the usulan it
funds on along their journey, without voting knowing Musrenbang exists."""

import pytest
from django.db import transaction

from accounts.models import Role
from musrenbang.models import JourneyStep, Stage
from tests.dashboard.conftest import build_round
from tests.factories import UserFactory
from tests.notifications.conftest import wait_until
from voting import services as voting_services

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_publishing_a_result_moves_the_funded_usulan_to_the_kecamatan_stage(celery_live_worker):
    built = build_round(slug="ap-jejak", publish=False)
    selected = {str(pid) for pid in built.snapshot.result["selected"]}
    assert selected
    admin = UserFactory(role=Role.ADMIN)
    with transaction.atomic():  # the admin presses "Umumkan"
        voting_services.snapshot_publish(snapshot=built.snapshot, actor=admin)
    wait_until(lambda: JourneyStep.objects.filter(stage=Stage.KELURAHAN).count() >= len(selected), timeout=30,
               message="the journey steps")
    moved = set(JourneyStep.objects.filter(stage=Stage.KELURAHAN, automatic=True)
                .values_list("proposal_id", flat=True))
    assert {str(pk) for pk in moved} == selected
