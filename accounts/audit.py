"""The audit log: who did what to what, and when. Every app writes moderation and admin actions here."""

from .models import AuditEntry


def audit_record(*, actor, action: str, target, detail: dict | None = None) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=f"{target._meta.app_label}.{target._meta.model_name}",
        target_id=str(target.pk),
        detail=detail or {},
    )
