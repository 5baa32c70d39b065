"""Every URL of the dashboard app x every role: the expected status."""

import pytest
from django.urls import reverse

from accounts.models import Role
from rounds.models import Phase
from tests.factories import UserFactory

from .conftest import build_round

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "citizen", "moderator", "verifikator_of_category", "verifikator_other", "council", "admin",
         "superuser"]


@pytest.fixture
def world(db):
    built = build_round(slug="ap-perm", voters=15)
    built.round.phase = Phase.IMPLEMENTATION
    built.round.save()
    funded_id = built.snapshot.result["selected"][0]
    funded = next(p for p in built.proposals if str(p.pk) == funded_id)
    users = {
        "anonymous": None,
        "citizen": UserFactory(role=Role.CITIZEN),
        "moderator": UserFactory(role=Role.MODERATOR),
        "verifikator_of_category": UserFactory(role=Role.VERIFIKATOR),
        "verifikator_other": UserFactory(role=Role.VERIFIKATOR),
        "council": UserFactory(role=Role.COUNCIL),
        "admin": UserFactory(role=Role.ADMIN, is_staff=True),
        # Django's flag with a plain role: exactly the admin role's powers, no more.
        "superuser": UserFactory(role=Role.CITIZEN, is_staff=True, is_superuser=True),
    }
    funded.category.verifikators.add(users["verifikator_of_category"])
    from rounds.models import Category

    other_category = Category.objects.exclude(pk=funded.category_id).first()
    other_category.verifikators.add(users["verifikator_other"])
    return built, funded, users


PUBLIC = {role: 200 for role in ROLES}
COUNCIL_ONLY = {"anonymous": 302, "citizen": 403, "moderator": 403, "verifikator_of_category": 403,
                "verifikator_other": 403, "council": 200, "admin": 200, "superuser": 200}
PROGRESS = {"anonymous": 302, "citizen": 403, "moderator": 403, "verifikator_of_category": 200,
            "verifikator_other": 403, "council": 403, "admin": 200, "superuser": 200}


def urls(built, funded):
    slug, code = built.round.slug, built.area.code
    return [
        (reverse("dashboard:round_results", args=[slug]), PUBLIC),
        (reverse("dashboard:area_results", args=[slug, code]), PUBLIC),
        (reverse("dashboard:area_print", args=[slug, code]), PUBLIC),
        (reverse("dashboard:area_csv", args=[slug, code]), PUBLIC),
        (reverse("dashboard:area_json", args=[slug, code]), PUBLIC),
        (reverse("dashboard:area_pb", args=[slug, code]), PUBLIC),
        (reverse("dashboard:round_csv", args=[slug]), PUBLIC),
        (reverse("dashboard:round_json", args=[slug]), PUBLIC),
        (reverse("dashboard:round_projects", args=[slug]), PUBLIC),
        (reverse("dashboard:open_data"), PUBLIC),
        (reverse("dashboard:receipt_check"), PUBLIC),
        (reverse("dashboard:project", args=[funded.pk]), PUBLIC),
        (reverse("dashboard:council"), COUNCIL_ONLY),
        (reverse("dashboard:council_turnout_csv"), COUNCIL_ONLY),
        (reverse("dashboard:progress_post", args=[funded.pk]), PROGRESS),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_url_role_matrix(client, world, role):
    built, funded, users = world
    if users[role] is not None:
        client.force_login(users[role])
    for url, expected in urls(built, funded):
        response = client.get(url)
        assert response.status_code == expected[role], (url, role, response.status_code)


@pytest.mark.parametrize("role", ["verifikator_of_category", "admin", "superuser"])
@pytest.mark.parametrize("phase", [p for p in Phase.values if p != Phase.IMPLEMENTATION])
def test_progress_is_posted_only_in_the_implementation_phase(client, world, phase, role):
    built, funded, users = world
    built.round.phase = phase
    built.round.save()
    client.force_login(users[role])
    assert client.get(reverse("dashboard:progress_post", args=[funded.pk])).status_code == 403


@pytest.mark.parametrize("role", ["admin", "superuser"])
def test_progress_cannot_be_posted_on_a_project_that_was_not_funded(client, world, role):
    built, _funded, users = world
    not_funded = next(p for p in built.proposals if str(p.pk) not in built.snapshot.result["selected"])
    client.force_login(users[role])
    assert client.get(reverse("dashboard:progress_post", args=[not_funded.pk])).status_code == 403
    assert client.get(reverse("dashboard:project", args=[not_funded.pk])).status_code == 404
    assert client.get(reverse("dashboard:project", args=[999999])).status_code == 404
    assert client.get(reverse("dashboard:progress_post", args=[999999])).status_code == 404


def test_post_without_csrf_token_is_refused(world):
    from django.test import Client

    built, funded, users = world
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["verifikator_of_category"])
    response = client.post(reverse("dashboard:progress_post", args=[funded.pk]),
                           {"status": "in_progress", "percent": 10, "spent": "1.000", "note": "x"})
    assert response.status_code == 403
