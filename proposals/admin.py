from django.contrib import admin

from .models import KamusItem


@admin.register(KamusItem)
class KamusItemAdmin(admin.ModelAdmin):
    """The kamus usulan, editable by city admins (`import_kamus` replaces it from a CSV)."""

    list_display = ["code", "name", "unit", "unit_price", "category", "opd", "active"]
    list_filter = ["active", "category"]
    search_fields = ["code", "name", "opd"]
    list_editable = ["unit_price", "active"]
    ordering = ["code"]
