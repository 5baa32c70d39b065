from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    initial = True
    dependencies: list = []

    operations = [
        migrations.CreateModel(
            name="Kecamatan",
            fields=[
                ("code", models.CharField(max_length=8, primary_key=True, serialize=False, verbose_name="kode Kemendagri")),
                ("name", models.CharField(max_length=100, verbose_name="nama")),
                ("population", models.PositiveIntegerField(blank=True, null=True, verbose_name="jumlah penduduk")),
                ("aliases", models.JSONField(blank=True, default=list, verbose_name="nama lain")),
            ],
            options={"ordering": ["code"], "verbose_name": "kecamatan", "verbose_name_plural": "kecamatan"},
        ),
        migrations.CreateModel(
            name="Kelurahan",
            fields=[
                ("code", models.CharField(max_length=13, primary_key=True, serialize=False, verbose_name="kode Kemendagri")),
                ("name", models.CharField(max_length=100, verbose_name="nama")),
                ("aliases", models.JSONField(blank=True, default=list, verbose_name="nama lain")),
                ("kecamatan", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="kelurahan_set", to="wilayah.kecamatan")),
            ],
            options={"ordering": ["code"], "verbose_name": "kelurahan", "verbose_name_plural": "kelurahan"},
        ),
    ]
