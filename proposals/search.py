"""Full-text search of proposals: the words a search looks in, stored in a column that PostgreSQL
computes itself on every insert and update (a generated column), under a GIN index.

`make run`'s SQLite has no full-text search: there the column holds NULL and the list searches
with LIKE instead (proposals.selectors._search). Both classes below keep the one model valid on
both databases, since a migration cannot name a PostgreSQL-only column or index."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db.models import Func, Index

# The 'simple' configuration: Indonesian has no stemmer in PostgreSQL, and 'simple' (lower-cased
# words, no stop words) finds "drainase" in "Drainase" without guessing at suffixes. Named as a
# constant regconfig, to_tsvector is immutable, which a generated column requires.
SEARCH_CONFIG = "simple"


class SearchDocument(Func):
    """The title (weight A), the description (B) and the address (C) as one tsvector: the same
    expression the list used to compute per row at query time, now computed once per write."""

    template = "%(expressions)s"
    output_field = SearchVectorField()

    def __init__(self):
        super().__init__(
            SearchVector("title", weight="A", config=SEARCH_CONFIG)
            + SearchVector("description", weight="B", config=SEARCH_CONFIG)
            + SearchVector("address", weight="C", config=SEARCH_CONFIG)
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return "NULL", []


class SearchIndex(GinIndex):
    """GIN on PostgreSQL. Elsewhere a plain index on the always-NULL column, since Django creates
    a model's indexes on every database (and SQLite rejects `USING gin`): harmless and tiny."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return Index.create_sql(self, model, schema_editor, using=using, **kwargs)
        return super().create_sql(model, schema_editor, using=using, **kwargs)
