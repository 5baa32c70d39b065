from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import LOCKED_ROUND_FIELDS, Area, Category, PhaseSchedule, Round
from .services import PhaseError, area_delete, area_save, round_advance_phase, round_save

# The form fields behind LOCKED_AREA_FIELDS.
LOCKED_AREA_FORM_FIELDS = ["round", "level", "code", "kelurahan", "kecamatan", "budget"]


def _locked(round_: Round | None) -> bool:
    return round_ is not None and round_.pk is not None and round_.ballot_locked


class AreaInline(admin.TabularInline):
    """Areas and their pagu: fixed (no add, no delete, read only) once the round's voting has opened."""

    model = Area
    extra = 0
    fields = ["level", "code", "name", "kelurahan", "kecamatan", "budget"]
    autocomplete_fields = []

    def get_readonly_fields(self, request, obj=None):
        return [f for f in LOCKED_AREA_FORM_FIELDS if f in self.fields] if _locked(obj) else []

    def has_add_permission(self, request, obj=None):
        return not _locked(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _locked(obj) and super().has_delete_permission(request, obj)


class PhaseScheduleInline(admin.TabularInline):
    model = PhaseSchedule
    extra = 0


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["name", "year", "slug", "phase", "ballot_type", "tally_rule"]
    list_filter = ["phase", "year"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PhaseScheduleInline, AreaInline]
    actions = ["advance_phase"]

    def get_readonly_fields(self, request, obj=None):
        """An existing round changes phase only through the action (audited, residents told), and
        once voting has opened its ballot settings are shown, not edited (Round.clean also refuses)."""
        fields = ["phase_changed_at"]
        if obj is not None and obj.pk:
            fields.append("phase")
        if _locked(obj):
            fields.extend(LOCKED_ROUND_FIELDS)
        return fields

    def has_delete_permission(self, request, obj=None):
        return not _locked(obj) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        round_save(round_=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Area:
            return super().save_formset(request, form, formset, change)
        areas = formset.save(commit=False)
        for area in formset.deleted_objects:
            area_delete(area=area, actor=request.user)
        for area in areas:
            area_save(area=area, actor=request.user)
        formset.save_m2m()
        return None

    @admin.action(description=_("Pindahkan ke tahap berikutnya"), permissions=["change"])
    def advance_phase(self, request, queryset):
        for round_ in queryset:
            try:
                round_advance_phase(round=round_, actor=request.user)
            except PhaseError:
                self.message_user(request, _("%(round)s sudah di tahap terakhir.") % {"round": round_}, messages.WARNING)
            else:
                self.message_user(request, _("%(round)s kini di tahap %(phase)s.") % {
                    "round": round_, "phase": round_.get_phase_display()})


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "order"]
    filter_horizontal = ["verifikators"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "round", "level", "code", "budget"]
    list_filter = ["round", "level"]
    search_fields = ["name", "code"]

    def get_readonly_fields(self, request, obj=None):
        return LOCKED_AREA_FORM_FIELDS if obj is not None and _locked(obj.round) else []

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and _locked(obj.round)) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        area_save(area=obj, actor=request.user)

    def delete_model(self, request, obj):
        area_delete(area=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        # One by one through the service: a bulk delete must not remove an area of a locked ballot.
        for area in queryset.select_related("round"):
            if _locked(area.round):
                self.message_user(request, _("%(area)s tidak dihapus: surat suara putarannya sudah dikunci.") % {
                    "area": area}, messages.ERROR)
                continue
            area_delete(area=area, actor=request.user)
