"""Issue 11: an account keeps of its NIK only the keyed hash, the gender and the birth year (and a
minor's day of turning 17 until it passes): the full birth date and the last four digits, which
together rebuilt the NIK, are converted and dropped."""

import datetime as dt

from django.db import migrations, models

VOTING_AGE = 17  # as accounts.nik.VOTING_AGE, frozen here as a migration must be


def birth_date_to_year(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    today = dt.date.today()
    for user in User.objects.filter(birth_date__isnull=False).only("pk", "birth_date").iterator():
        born = user.birth_date
        try:
            adult = born.replace(year=born.year + VOTING_AGE)
        except ValueError:  # 29 February
            adult = dt.date(born.year + VOTING_AGE, 3, 1)
        User.objects.filter(pk=user.pk).update(birth_year=born.year, adult_on=adult if adult > today else None)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_email_or_phone'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='adult_on',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='berhak memilih mulai'),
        ),
        migrations.AddField(
            model_name='user',
            name='birth_year',
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True, verbose_name='tahun lahir'),
        ),
        migrations.RunPython(birth_date_to_year, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='user',
            name='birth_date',
        ),
        migrations.RemoveField(
            model_name='user',
            name='nik_last4',
        ),
    ]
