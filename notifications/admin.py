from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import EmailStatus, FanoutBatch, Notification, OptOut


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("id", "recipient", "kind", "email_status", "email_attempts", "in_inbox", "read_at", "created_at", "sent_at")
    list_filter = ("email_status", "kind", "in_inbox")
    search_fields = ("recipient__email",)
    list_select_related = ("recipient",)
    raw_id_fields = ("recipient", "batch")
    readonly_fields = (
        "recipient", "kind", "context", "url", "batch", "created_at", "in_inbox", "read_at", "email_status",
        "email_attempts", "next_attempt_at", "sent_at", "last_error",
    )
    date_hierarchy = "created_at"
    show_full_result_count = False  # the outbox grows large; skip the extra COUNT(*)
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Kirim ulang email yang gagal atau tertunda"))
    def retry(self, request, queryset):
        ids = list(queryset.filter(email_status__in=[EmailStatus.FAILED, EmailStatus.QUEUED]).values_list("pk", flat=True))
        count = services.notifications_retry(notification_ids=ids)
        self.message_user(
            request,
            ngettext("%(count)d email diantrekan ulang.", "%(count)d email diantrekan ulang.", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(FanoutBatch)
class FanoutBatchAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "recipient_count", "created_at", "done_at")
    list_filter = ("kind",)
    readonly_fields = ("kind", "context", "url", "recipient_ids", "created_at", "next_attempt_at", "done_at")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("jumlah penerima"))
    def recipient_count(self, obj: FanoutBatch) -> int:
        return len(obj.recipient_ids)


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "channel", "created_at")
    list_filter = ("kind", "channel")
    search_fields = ("user__email",)
    raw_id_fields = ("user",)
