"""A copy of every table of the test database, taken and put back with PostgreSQL's COPY.

The demo data of `make run` takes seconds to seed through the services; tests that need it get
it seeded once per session (tests/conftest.py) and put back into their own database with COPY,
which takes a fraction of that. What goes back is the rows the seeding committed, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DatabaseCopy:
    tables: dict[str, bytes]  # table name: its rows in COPY's binary format
    sequences: dict[str, int] = field(default_factory=dict)  # qualified name: last value given out


def _tables(connection) -> list[str]:
    """The tables flush empties: every model's, many-to-many ones included."""
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def _sequences(cursor) -> dict[str, int]:
    cursor.execute("SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value "
                   "FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL")
    return dict(cursor.fetchall())


def database_copy(connection) -> DatabaseCopy:
    quote = connection.ops.quote_name
    tables = {}
    with connection.cursor() as cursor:
        for table in _tables(connection):
            with cursor.copy(f"COPY {quote(table)} TO STDOUT (FORMAT BINARY)") as copy:
                tables[table] = b"".join(bytes(chunk) for chunk in copy)
        sequences = _sequences(cursor)
    return DatabaseCopy(tables=tables, sequences=sequences)


def database_restore(connection, copy: DatabaseCopy) -> None:
    """Empties every table and puts the copy's rows back, in one transaction (a savepoint inside a
    test's own transaction). Foreign keys are checked at the commit, as Django declares them deferred.

    Sequences are only ever moved forward, to at least where they stood when the copy was taken:
    setval is not undone by a rollback, and a sequence moved back below rows that a rollback
    brings back would hand out their ids again."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    quote = connection.ops.quote_name
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        tables = _tables(connection)
        if sorted(copy.tables) != tables:
            raise RuntimeError(f"the copy has other tables than the database: {sorted(set(tables) ^ set(copy.tables))}")
        # DELETE, not TRUNCATE: on tables this small it is many times faster (tests/conftest.py,
        # flush_by_delete), and inside a test's transaction TRUNCATE refuses a table that still
        # has deferred foreign key checks pending from the test's own writes.
        for table in tables:
            cursor.execute(f"DELETE FROM {quote(table)}")
        for table, rows in copy.tables.items():
            with cursor.copy(f"COPY {quote(table)} FROM STDIN (FORMAT BINARY)") as target:
                target.write(rows)
        now = _sequences(cursor)
        for name, value in copy.sequences.items():
            if value > now.get(name, 0):
                cursor.execute("SELECT setval(%s, %s)", [name, value])
    # Content types are cached by id in this process: the copy's ids may differ from the last ones.
    ContentType.objects.clear_cache()
