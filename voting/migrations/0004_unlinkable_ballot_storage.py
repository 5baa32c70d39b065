"""Unlinkable ballot storage (issue 11): pending ballots sealed until a mix, participations keep
the day only, ballots lose their date, and the ballots already stored are rewritten in a random
order with new ids (as a mix would), so that no row order or id left from casting time survives."""

import random
import uuid

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.db.models.functions import TruncDate


def participation_day(apps, schema_editor):
    Participation = apps.get_model("voting", "Participation")
    Participation.objects.update(created_on=TruncDate("created_at"))


def ballots_rewrite_at_random(apps, schema_editor):
    Ballot = apps.get_model("voting", "Ballot")
    shuffle = random.SystemRandom().shuffle
    for round_id, area_id in Ballot.objects.values_list("round_id", "area_id").distinct().order_by():
        rows = list(Ballot.objects.filter(round_id=round_id, area_id=area_id)
                    .values("voter_key", "choices", "blank", "receipt_code"))
        Ballot.objects.filter(round_id=round_id, area_id=area_id).delete()
        shuffle(rows)
        Ballot.objects.bulk_create((Ballot(id=uuid.uuid4(), round_id=round_id, area_id=area_id, **row) for row in rows),
                                   batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ('rounds', '0002_categories'),
        ('voting', '0003_frozen_result_with_its_ballot_file'),
    ]

    operations = [
        migrations.AddField(
            model_name='participation',
            name='created_on',
            field=models.DateField(default=django.utils.timezone.localdate, verbose_name='tanggal'),
        ),
        migrations.RunPython(participation_day, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='participation',
            name='created_at',
        ),
        migrations.AddField(
            model_name='participation',
            name='detached',
            field=models.BooleanField(default=False),
        ),
        migrations.RemoveField(
            model_name='ballot',
            name='cast_on',
        ),
        migrations.RunPython(ballots_rewrite_at_random, migrations.RunPython.noop),
        migrations.CreateModel(
            name='PendingBallot',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('lookup_key', models.CharField(editable=False, max_length=64)),
                ('sealed', models.BinaryField()),
                ('area', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='pending_ballots', to='rounds.area')),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='rounds.round')),
            ],
            options={
                'verbose_name': 'surat suara menunggu',
                'verbose_name_plural': 'surat suara menunggu',
                'constraints': [models.UniqueConstraint(fields=('round', 'area', 'lookup_key'), name='one_pending_ballot_per_voter')],
            },
        ),
    ]
