from django.db import migrations


class Migration(migrations.Migration):
    """PostgreSQL gets a varchar_pattern_ops index beside a CharField primary key, for LIKE queries.
    Nobody searches keyed hashes with LIKE, and the second index slowed each census import by
    seconds. (Its own migration: Django creates that index at the end of the migration that
    creates the table.)"""

    dependencies = [("accounts", "0007_census")]

    operations = [
        migrations.RunSQL("DROP INDEX IF EXISTS accounts_censusentry_nik_hash_e4ffb2b3_like", migrations.RunSQL.noop),
    ]
