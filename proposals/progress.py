"""Implementation tracking: verifikator staff report progress on funded projects.

The permission (verifikator of the category, implementation phase, funded project) is
declared in dashboard.rules and checked again here, so no caller can skip it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from accounts.models import User

from .images import photo_process
from .models import Follow, ProgressUpdate, Proposal, Status, StatusChange, Support

PROGRESS_STATUSES = (Status.IN_PROGRESS, Status.COMPLETED)


def _project_url(proposal: Proposal) -> str:
    try:
        return reverse("dashboard:project", args=[proposal.pk])
    except NoReverseMatch:
        return ""


@transaction.atomic
def progress_post(
    *,
    author: User,
    proposal: Proposal,
    status: str,
    percent: int,
    spent: int,
    note: str,
    photo=None,
) -> ProgressUpdate:
    """Record one progress update, move the project to in progress / completed, tell its followers."""
    if not author.has_perm("dashboard.post_progress", proposal):
        raise PermissionDenied(_("Anda tidak dapat melaporkan kemajuan proyek ini."))
    if status not in PROGRESS_STATUSES:
        raise ValidationError({"status": _("Status harus 'Dalam pengerjaan' atau 'Selesai'.")})
    if status == Status.COMPLETED and percent != 100:
        raise ValidationError({"percent": _("Proyek yang selesai harus 100%.")})
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    update = ProgressUpdate(
        proposal=proposal, status=status, percent=percent, spent=spent, note=(note or "").strip(), author=author
    )
    if photo:
        processed = photo_process(photo)
        update.photo.save(f"kemajuan-{proposal.pk}.jpg", processed.image, save=False)
    update.full_clean()
    update.save()

    if proposal.status != status:
        StatusChange.objects.create(
            proposal=proposal, from_status=proposal.status, to_status=status, actor=author,
            reason=_("Laporan pelaksanaan: %(percent)d%% selesai.") % {"percent": percent},
        )
        proposal.status = status
        proposal.save(update_fields=["status", "updated_at"])

    follower_ids = set(Follow.objects.filter(proposal=proposal).values_list("user_id", flat=True))
    supporter_ids = set(Support.objects.filter(proposal=proposal).values_list("user_id", flat=True))
    recipients = (follower_ids | supporter_ids) - {author.pk}
    if recipients:
        from notifications.services import notify_many

        notify_many(
            recipient_ids=recipients, kind="project_progress",
            context={"title": proposal.title, "status_label": str(Status(status).label), "percent": percent,
                     "note": update.note[:500]},
            url=_project_url(proposal),
        )
    return update
