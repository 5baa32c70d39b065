"""The sign-in backend: Django model permissions count for staff only (the admin); rules decide the rest."""

import pytest
from django.contrib.auth.models import Group, Permission

pytestmark = pytest.mark.django_db


def test_model_permissions_count_for_staff_and_are_not_looked_up_for_residents(user_factory, django_assert_num_queries):
    group = Group.objects.create(name="Staf Bappeda")
    group.permissions.add(Permission.objects.get(codename="view_proposal"))
    staff = user_factory(is_staff=True)
    resident = user_factory()
    for user in (staff, resident):
        user.groups.add(group)
    assert staff.has_perm("proposals.view_proposal")
    with django_assert_num_queries(0):
        assert not resident.has_perm("proposals.view_proposal")
