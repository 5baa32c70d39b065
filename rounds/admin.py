from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import Area, Category, PhaseSchedule, Round
from .services import PhaseError, round_advance_phase


class AreaInline(admin.TabularInline):
    model = Area
    extra = 0
    fields = ["level", "code", "name", "kelurahan", "kecamatan", "budget"]
    autocomplete_fields = []


class PhaseScheduleInline(admin.TabularInline):
    model = PhaseSchedule
    extra = 0


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["name", "year", "slug", "phase", "ballot_type", "tally_rule"]
    list_filter = ["phase", "year"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["phase_changed_at"]
    inlines = [PhaseScheduleInline, AreaInline]
    actions = ["advance_phase"]

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
