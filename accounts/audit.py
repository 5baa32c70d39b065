"""The audit log: who did what to what, and when. Every app writes moderation and admin actions here."""

import datetime as dt

from django.db.models import QuerySet

from .models import AuditEntry


def _about(target) -> dict:
    """How an entry names its target: one spelling for writing and for reading back."""
    return {"target_type": f"{target._meta.app_label}.{target._meta.model_name}", "target_id": str(target.pk)}


def audit_record(*, actor, action: str, target, detail: dict | None = None) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        detail=detail or {},
        **_about(target),
    )


def audit_entries_since(*, action: str, since: dt.datetime, actor=None, target=None) -> QuerySet[AuditEntry]:
    """Entries of one action from `since` on, by `actor` and/or about `target`: what the rate
    limits of the portal count."""
    entries = AuditEntry.objects.filter(action=action, created_at__gte=since)
    if actor is not None:
        entries = entries.filter(actor=actor)
    if target is not None:
        entries = entries.filter(**_about(target))
    return entries
