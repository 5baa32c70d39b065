from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ResidenceInvitation, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "phone", "full_name", "role", "kelurahan", "is_active", "email_verified_at")
    list_filter = ("role", "is_active", "kelurahan__kecamatan")
    search_fields = ("email", "phone", "full_name")
    readonly_fields = ("gender", "birth_year", "adult_on", "consent_version", "consent_at", "last_login", "date_joined")
    filter_horizontal = ("moderated_kelurahan", "moderated_kecamatan", "groups", "user_permissions")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Data pribadi"), {"fields": ("full_name", "phone", "kelurahan", "language", "gender", "birth_year", "adult_on")}),
        (_("Verifikasi"), {"fields": ("email_verified_at", "residence_verified_at", "consent_version", "consent_at")}),
        (_("Peran"), {"fields": ("role", "moderated_kelurahan", "moderated_kecamatan")}),
        (_("Akses admin Django"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Waktu"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "phone", "full_name", "role", "password1", "password2")}),)


@admin.register(ResidenceInvitation)
class ResidenceInvitationAdmin(admin.ModelAdmin):
    """Read-only: codes are made on the LPM's page (accounts:invitations) and shown only there, once."""

    list_display = ("kelurahan", "batch", "created_by", "created_at", "used_at")
    list_filter = ("kelurahan__kecamatan", "kelurahan")
    readonly_fields = ("kelurahan", "batch", "created_by", "created_at", "used_by", "used_at")
    exclude = ("code_hash",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
