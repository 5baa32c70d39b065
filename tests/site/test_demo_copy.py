"""The `demo` fixture (tests/conftest.py): `seed_demo --size small` once per session, copied back
into each test's database with COPY. Every test must find the same demo, whatever the test
before it wrote, and nothing of an earlier test may be read through the ids the copy reuses."""

import pytest
from django.db import connection, transaction

from tests.conftest import demo_put_back


def _contents() -> dict[str, str]:
    """Every table's rows, in any physical order: a fingerprint of each table's sorted rows."""
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with connection.cursor() as cursor:
        return {table: cursor.execute(f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
                                      f"FROM {connection.ops.quote_name(table)} t").fetchone()
                for table in tables}


@pytest.mark.django_db(transaction=True)
def test_the_demo_comes_back_byte_for_byte_after_a_test_wrote_over_it(demo, demo_copy):
    from accounts.models import User
    from proposals.models import Proposal
    from rounds.models import Round

    put_back = _contents()
    assert put_back["voting_ballot"][0] > 1000 and put_back["musrenbang_journeystep"][0] > 50
    assert Round.objects.get(slug="ap-2026").results_published_at is not None
    resident = User.objects.get(email="warga@demo.local")
    demo_proposals = Proposal.objects.count()

    # A test that writes: committed, as a browser test's live server writes.
    Round.objects.filter(slug="ap-2026").update(results_published_at=None)
    User.objects.filter(pk=resident.pk).update(full_name="Ditulis oleh tes sebelumnya")
    Proposal.objects.filter(round__slug="ap-2027").delete()
    added = User.objects.create(email="baru@example.com", full_name="Baru")

    demo_put_back(demo_copy)  # what the next test's `demo` does

    assert _contents() == put_back
    assert Round.objects.get(slug="ap-2026").results_published_at is not None
    assert User.objects.get(pk=resident.pk).full_name == resident.full_name
    assert Proposal.objects.count() == demo_proposals
    assert not User.objects.filter(email="baru@example.com").exists()
    # New rows do not take the ids of the demo's rows, nor of rows made before it was put back.
    again = User.objects.create(email="baru@example.com", full_name="Baru")
    assert again.pk > added.pk


@pytest.mark.django_db(transaction=True)
def test_a_user_cached_by_an_earlier_test_is_not_read_after_the_demo_is_put_back(demo, demo_copy):
    """The copy gives every test the same user ids, and a COPY sends no post_save to drop a
    cached copy: an earlier test's cached user (here promoted to admin) must not be read."""
    from accounts.caching import user_cached
    from accounts.models import Role, User

    resident = User.objects.get(email="warga@demo.local")
    assert resident.role == Role.CITIZEN
    promoted = User.objects.get(pk=resident.pk)
    promoted.role = Role.ADMIN
    promoted.save()
    assert user_cached(resident.pk, lambda pk: User.objects.get(pk=pk)).role == Role.ADMIN

    demo_put_back(demo_copy)

    assert user_cached(resident.pk, lambda pk: User.objects.get(pk=pk)).role == Role.CITIZEN


class _Undo(Exception):
    pass


@pytest.mark.django_db
def test_a_demo_rolled_back_never_moves_a_sequence_below_rows_that_come_back(demo_copy):
    """In a test that rolls back, the copy's rows go and the rows before it come back, but a
    sequence set by setval stays: it must not be left below those rows' ids."""
    from accounts.models import User

    table = User._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        # The rows before the demo have ids beyond the copy's: as after earlier tests of a session.
        cursor.execute("SELECT setval(%s, %s)", [sequence, demo_copy.sequences[sequence] + 5])
    earlier = User.objects.create(email="sebelum@example.com", full_name="Sebelum")

    with pytest.raises(_Undo), transaction.atomic():
        demo_put_back(demo_copy)
        assert User.objects.filter(email="warga@demo.local").exists()
        raise _Undo

    assert User.objects.filter(pk=earlier.pk).exists()
    later = User.objects.create(email="sesudah@example.com", full_name="Sesudah")
    assert later.pk > earlier.pk


@pytest.mark.django_db(transaction=True)
def test_the_flush_that_ends_a_transactional_test_leaves_no_row_of_the_demo(demo):
    """The flush is a DELETE of each table here (tests/conftest.py, flush_by_delete): run as
    pytest-django runs it after each transactional test, it leaves every table empty."""
    from django.core.management import call_command

    from accounts.models import User

    assert User.objects.exists()
    call_command("flush", verbosity=0, interactive=False, reset_sequences=False, allow_cascade=False,
                 inhibit_post_migrate=True)

    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with connection.cursor() as cursor:
        filled = [table for table in tables
                  if cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {connection.ops.quote_name(table)})")
                  and cursor.fetchone()[0]]
    assert len(tables) > 40 and filled == []
