from django.db import migrations

CATEGORIES = [
    ("jalan-jembatan", "Jalan dan jembatan", "Roads and bridges", "#6c757d"),
    ("drainase-banjir", "Drainase dan pengendalian banjir", "Drainage and flood control", "#0d6efd"),
    ("air-bersih", "Air bersih", "Clean water", "#0dcaf0"),
    ("taman-rth", "Taman dan ruang terbuka hijau", "Parks and green open space", "#198754"),
    ("penerangan-jalan", "Penerangan jalan", "Street lighting", "#ffc107"),
    ("persampahan-lingkungan", "Persampahan dan lingkungan", "Waste and environment", "#795548"),
    ("kesehatan-stunting", "Kesehatan dan stunting", "Health and stunting", "#dc3545"),
    ("pendidikan", "Pendidikan", "Education", "#6f42c1"),
    ("perlindungan-anak-perempuan", "Perlindungan anak dan perempuan", "Protection of children and women", "#d63384"),
    ("ekonomi-kreatif-umkm", "Ekonomi kreatif dan UMKM", "Creative economy and small business", "#fd7e14"),
    ("pariwisata", "Pariwisata", "Tourism", "#20c997"),
    ("fasilitas-umum", "Fasilitas umum", "Public facilities", "#495057"),
]


def load(apps, schema_editor):
    Category = apps.get_model("rounds", "Category")
    for order, (slug, name, name_en, color) in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(slug=slug, defaults={"name": name, "name_en": name_en, "color": color, "order": order})


class Migration(migrations.Migration):
    dependencies = [("rounds", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
