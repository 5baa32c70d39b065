"""Loads the 6 kecamatan and 34 kelurahan from the Kemendagri codes kept in wilayah/data/."""

from django.db import migrations


def load(apps, schema_editor):
    from wilayah.services import wilayah_load

    wilayah_load(apps.get_model("wilayah", "Kecamatan"), apps.get_model("wilayah", "Kelurahan"))


def unload(apps, schema_editor):
    apps.get_model("wilayah", "Kelurahan").objects.all().delete()
    apps.get_model("wilayah", "Kecamatan").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("wilayah", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
