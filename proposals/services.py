"""Writes of proposals: submission, supports, comments, flags, moderation and valuation.

Every status change goes through `_transition`: it locks the row, checks the status it starts
from (so two moderators acting at once leave one consistent status), writes the public
StatusChange, the audit log, and the notification for the proposer.
"""

import csv
import dataclasses
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.models import User
from balikpapan_pb.shared_pages import rows_changed
from notifications.services import notify
from rounds.models import Area, Category, Round

from .images import MAX_PHOTOS, TOO_MANY_PHOTOS, ProcessedPhoto
from .models import (
    BALLOT_STATUSES,
    Comment,
    Flag,
    Follow,
    KamusItem,
    Proposal,
    ProposalPhoto,
    Status,
    StatusChange,
    Support,
)
from .money import format_rupiah, indicative_cost, parse_rupiah


class TransitionError(Exception):
    """The proposal is no longer in a status this action starts from (someone acted first)."""

    def __init__(self, proposal: Proposal, allowed: Iterable[str]):
        self.proposal = proposal
        self.allowed = list(allowed)
        super().__init__(f"proposal {proposal.pk} is {proposal.status}, expected one of {self.allowed}")


REASON_REQUIRED = _("Alasan wajib diisi.")
BALLOT_LOCKED = _("Pemungutan suara sudah dibuka: daftar proyek di surat suara dan biayanya tidak dapat diubah lagi. "
                  "Admin kota dapat menarik proyek dari surat suara selama pemungutan suara dengan alasan yang diumumkan.")


def _ballot_changes(proposal: Proposal, to_status: str, changes: dict) -> bool:
    """Whether a status change (with its field changes) adds a project to a ballot, takes one off, or
    changes what it costs."""
    before, after = proposal.status in BALLOT_STATUSES, to_status in BALLOT_STATUSES
    if before != after:
        return True
    cost_fields = {"final_cost", "estimated_cost"}
    return before and any(getattr(proposal, f) != changes[f] for f in cost_fields & set(changes))
MESSAGE_REQUIRED = _("Pesan untuk pengusul wajib diisi.")


def _status_label(status: str) -> str:
    with translation.override("id"):
        return str(Status(status).label)


def _notify_status(proposal: Proposal, reason: str) -> None:
    if proposal.proposer_id is None:
        return
    notify(
        recipient=proposal.proposer, kind="proposal_status",
        context={"title": proposal.title, "status_label": _status_label(proposal.status), "reason": reason,
                 "status": proposal.status},
        url=proposal.get_absolute_url(),
    )


def _transition(*, proposal: Proposal, allowed_from: Iterable[str], to_status: str, actor: User | None,
                reason: str = "", action: str, extra: dict | None = None, notify_proposer: bool = True,
                changes: dict | None = None, withdraws_from_ballot: bool = False) -> Proposal:
    """Moves a locked proposal from one of `allowed_from` to `to_status`. Call inside transaction.atomic.

    Once its round's voting has opened, no transition puts a project on the ballot, takes one off
    or changes its cost (whoever asks, superusers included), except an admin's withdrawal."""
    locked = Proposal.objects.select_for_update(of=("self",)).select_related("proposer", "round").get(pk=proposal.pk)
    allowed = set(allowed_from)
    if locked.status not in allowed:
        raise TransitionError(locked, allowed)
    # Read under a lock, so the phase cannot move to voting between this check and the commit.
    locked.round.phase = Round.objects.select_for_update().values_list("phase", flat=True).get(pk=locked.round_id)
    if locked.round.ballot_locked and not withdraws_from_ballot and _ballot_changes(locked, to_status, changes or {}):
        raise ValidationError(BALLOT_LOCKED, code="ballot_locked")
    previous = locked.status
    locked.status = to_status
    for field, value in (changes or {}).items():
        setattr(locked, field, value)
    locked.full_clean()
    locked.save()
    StatusChange.objects.create(proposal=locked, from_status=previous, to_status=to_status, reason=reason, actor=actor)
    audit_record(actor=actor, action=action, target=locked,
                 detail={"from": previous, "to": to_status, "reason": reason, **(extra or {})})
    if notify_proposer:
        _notify_status(locked, reason)
    # The caller's object follows, so a view can redirect with what it holds.
    proposal.status = locked.status
    for field in changes or {}:
        setattr(proposal, field, getattr(locked, field))
    return locked


# --- submission -----------------------------------------------------------------------------

def _photos_add(proposal: Proposal, photos: list[ProcessedPhoto]) -> None:
    existing = proposal.photos.count()
    if existing + len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": ValidationError(TOO_MANY_PHOTOS, params={"max": MAX_PHOTOS})})
    for order, photo in enumerate(photos, start=existing):
        item = ProposalPhoto(proposal=proposal, width=photo.width, height=photo.height, order=order)
        item.image.save(photo.image.name, photo.image, save=False)
        item.thumbnail.save(photo.thumbnail.name, photo.thumbnail, save=False)
        item.save()


def _estimate_within_pagu(area: Area, estimated_cost: int | None) -> None:
    """A project dearer than its area's whole pagu can never be funded there: say so at once."""
    if estimated_cost is not None and estimated_cost > area.budget:
        raise ValidationError({"estimated_cost": ValidationError(
            _("Perkiraan biaya %(cost)s melebihi pagu %(area)s (%(budget)s). Kecilkan lingkup usulan, bagi menjadi "
              "beberapa usulan, atau pilih wilayah dengan pagu yang lebih besar."),
            code="over_pagu",
            params={"cost": format_rupiah(estimated_cost), "area": area.label, "budget": format_rupiah(area.budget)},
        )})


OUTSIDE_OWN_AREA = _("Anda hanya dapat mengusulkan untuk kelurahan tempat tinggal Anda, kecamatannya, atau Kota "
                     "Balikpapan.")


def _area_of_proposer(area: Area, proposer: User) -> None:
    """A resident proposes for where they live: their kelurahan, its kecamatan, or the city."""
    if not area.contains_kelurahan(proposer.kelurahan_id):
        raise ValidationError({"area": OUTSIDE_OWN_AREA})


@transaction.atomic
def proposal_create(*, round: Round, proposer: User, area: Area, category: Category, title: str,  # noqa: A002
                    description: str, estimated_cost: int, latitude: float | None = None,
                    longitude: float | None = None, address: str = "", rt: str = "", rw: str = "",
                    photos: list[ProcessedPhoto] | None = None, submit: bool = False,
                    kamus_item: KamusItem | None = None, volume=None) -> Proposal:
    if area.round_id != round.pk:
        raise ValidationError({"area": _("Wilayah ini bukan bagian dari putaran tersebut.")})
    _area_of_proposer(area, proposer)
    proposal = Proposal(
        round=round, proposer=proposer, area=area, category=category, title=title.strip(),
        description=description.strip(), estimated_cost=estimated_cost, latitude=latitude, longitude=longitude,
        address=address.strip(), rt=rt, rw=rw, status=Status.DRAFT,
    )
    _kamus_apply(proposal, kamus_item, volume)
    _estimate_within_pagu(area, proposal.estimated_cost)  # typed, or volume x unit price of the kamus
    proposal.full_clean()
    proposal.save()
    StatusChange.objects.create(proposal=proposal, from_status="", to_status=Status.DRAFT, actor=proposer)
    _photos_add(proposal, photos or [])
    Follow.objects.get_or_create(proposal=proposal, user=proposer)
    if submit:
        proposal_submit(proposal=proposal, actor=proposer)
    return proposal


EDITABLE_FIELDS = ["area", "category", "title", "description", "estimated_cost", "latitude", "longitude",
                   "address", "rt", "rw"]
UNCHANGED = object()  # proposal_update without kamus arguments leaves the kamus choice as it is
KAMUS_NEEDS_VOLUME = _("Isi volume (koefisien) lebih dari nol untuk item kamus yang dipilih.")


def _kamus_apply(proposal: Proposal, kamus_item: KamusItem | None, volume) -> None:
    """With an item of the kamus, the indicative cost is volume x unit price, computed here
    whatever the browser sent; without one the proposal is "di luar kamus" with the typed cost."""
    if kamus_item is None:
        proposal.kamus_item = None
        proposal.volume = None
        proposal.kamus_code = proposal.kamus_unit = ""
        proposal.kamus_unit_price = None
        return
    if volume is None or volume <= 0:
        raise ValidationError({"volume": KAMUS_NEEDS_VOLUME})
    if not kamus_item.active:
        raise ValidationError({"kamus_item": _("Item kamus ini sudah tidak berlaku. Pilih item lain.")})
    proposal.kamus_item = kamus_item
    proposal.volume = volume
    proposal.kamus_code = kamus_item.code
    proposal.kamus_unit = kamus_item.unit
    proposal.kamus_unit_price = kamus_item.unit_price
    proposal.estimated_cost = indicative_cost(volume, kamus_item.unit_price)


@transaction.atomic
def proposal_update(*, proposal: Proposal, actor: User, photos: list[ProcessedPhoto] | None = None,
                    remove_photo_ids: Iterable[int] = (), submit: bool = False,
                    kamus_item: KamusItem | None | object = UNCHANGED, volume=None, **fields) -> Proposal:
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.status not in {Status.DRAFT, Status.NEEDS_CHANGES}:
        raise TransitionError(locked, [Status.DRAFT, Status.NEEDS_CHANGES])
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise TypeError(f"{name} is not editable")
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    if kamus_item is not UNCHANGED:
        _kamus_apply(locked, kamus_item, volume)
    if locked.area.round_id != locked.round_id:
        raise ValidationError({"area": _("Wilayah ini bukan bagian dari putaran tersebut.")})
    if "area" in fields and locked.area_id != proposal.area_id:
        _area_of_proposer(locked.area, locked.proposer)
    _estimate_within_pagu(locked.area, locked.estimated_cost)
    locked.full_clean()
    locked.save()
    remove = [int(pk) for pk in remove_photo_ids]
    if remove:
        for photo in ProposalPhoto.objects.filter(proposal=locked, pk__in=remove):
            photo.image.delete(save=False)
            photo.thumbnail.delete(save=False)
            photo.delete()
    _photos_add(locked, photos or [])
    if submit:
        proposal_submit(proposal=locked, actor=actor)
    return locked


@transaction.atomic
def proposal_submit(*, proposal: Proposal, actor: User) -> Proposal:
    """Draft (or revised after a request for changes) -> submitted, to the LPM queue."""
    locked = _transition(proposal=proposal, allowed_from=[Status.DRAFT, Status.NEEDS_CHANGES],
                         to_status=Status.SUBMITTED, actor=actor, action="proposal.submit", notify_proposer=False,
                         changes={"submitted_at": timezone.now()})
    return locked


# --- moderation (LPM) -------------------------------------------------------------------------

@transaction.atomic
def proposal_approve(*, proposal: Proposal, actor: User, reason: str = "") -> Proposal:
    return _transition(proposal=proposal, allowed_from=[Status.SUBMITTED], to_status=Status.APPROVED,
                       actor=actor, reason=reason.strip(), action="proposal.approve")


@transaction.atomic
def proposal_reject(*, proposal: Proposal, actor: User, reason: str) -> Proposal:
    if not (reason or "").strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    return _transition(proposal=proposal, allowed_from=[Status.SUBMITTED, Status.NEEDS_CHANGES, Status.APPROVED],
                       to_status=Status.REJECTED, actor=actor, reason=reason.strip(), action="proposal.reject")


@transaction.atomic
def proposal_request_changes(*, proposal: Proposal, actor: User, message: str) -> Proposal:
    if not (message or "").strip():
        raise ValidationError({"reason": MESSAGE_REQUIRED})
    return _transition(proposal=proposal, allowed_from=[Status.SUBMITTED, Status.APPROVED],
                       to_status=Status.NEEDS_CHANGES, actor=actor, reason=message.strip(),
                       action="proposal.request_changes")


@transaction.atomic
def proposal_merge(*, proposal: Proposal, into: Proposal, actor: User, reason: str = "") -> Proposal:
    """Marks `proposal` a duplicate of `into`: its supporters and followers move over (once each)."""
    if proposal.pk == into.pk:
        raise ValidationError({"into": _("Usulan tidak dapat digabung dengan dirinya sendiri.")})
    # Lock both rows in a fixed order so that two merges in opposite directions cannot deadlock.
    rows = {p.pk: p for p in Proposal.objects.select_for_update().filter(pk__in=[proposal.pk, into.pk]).order_by("pk")}
    target = rows[into.pk]
    if target.round_id != rows[proposal.pk].round_id or target.area_id != rows[proposal.pk].area_id:
        raise ValidationError({"into": _("Usulan hanya dapat digabung dengan usulan di wilayah yang sama.")})
    if target.status in {Status.MERGED, Status.REJECTED, Status.HIDDEN, Status.DRAFT}:
        raise ValidationError({"into": _("Usulan tujuan tidak aktif.")})
    message = reason.strip() or str(_("Digabung dengan usulan serupa: %(title)s")) % {"title": target.title}
    merged = _transition(proposal=proposal, allowed_from=[Status.SUBMITTED, Status.APPROVED, Status.NEEDS_CHANGES],
                         to_status=Status.MERGED, actor=actor, reason=message, action="proposal.merge",
                         extra={"into": target.pk}, changes={"merged_into": target})
    for model in (Support, Follow):
        already = model.objects.filter(proposal=target).values("user_id")
        moved = model.objects.filter(proposal=merged).exclude(user_id__in=already).update(proposal=target)
        rows_changed(model)
        model.objects.filter(proposal=merged).delete()
        audit_record(actor=actor, action=f"proposal.merge.{model._meta.model_name}", target=target,
                     detail={"from": merged.pk, "moved": moved})
    return merged


def _status_before_hidden(proposal: Proposal) -> str:
    last = StatusChange.objects.filter(proposal=proposal, to_status=Status.HIDDEN).order_by("-created_at", "-pk").first()
    return last.from_status if last and last.from_status else Status.SUBMITTED


HIDEABLE = [s for s in Status.values if s not in {Status.HIDDEN, Status.DRAFT}]


@transaction.atomic
def proposal_hide(*, proposal: Proposal, actor: User | None, reason: str) -> Proposal:
    if not (reason or "").strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    return _transition(proposal=proposal, allowed_from=HIDEABLE, to_status=Status.HIDDEN, actor=actor,
                       reason=reason.strip(), action="proposal.hide")


def is_on_locked_ballot(proposal: Proposal) -> bool:
    return proposal.status in BALLOT_STATUSES and proposal.round.ballot_locked


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, actor: User, reason: str) -> Proposal:
    """Takes a project off the ballot during voting, with a reason the proposal and results pages show.
    Only this service does it; voting.services.ballot_project_withdraw also drops it from cast ballots."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    if not actor.has_perm("proposals.withdraw_from_ballot", proposal):
        raise PermissionDenied(_("Hanya admin kota yang dapat menarik proyek dari surat suara, dan hanya selama "
                                 "pemungutan suara."))
    return _transition(proposal=proposal, allowed_from=BALLOT_STATUSES, to_status=Status.WITHDRAWN, actor=actor,
                       reason=reason, action="proposal.withdraw", withdraws_from_ballot=True)


@transaction.atomic
def proposal_restore(*, proposal: Proposal, actor: User, reason: str = "") -> Proposal:
    previous = _status_before_hidden(proposal)
    restored = _transition(proposal=proposal, allowed_from=[Status.HIDDEN], to_status=previous, actor=actor,
                           reason=reason.strip(), action="proposal.restore")
    Flag.objects.filter(proposal=restored).delete()  # reviewed: the count starts again
    return restored


# --- valuation (verifikator) ------------------------------------------------------------------

@transaction.atomic
def proposal_valuate(*, proposal: Proposal, actor: User, feasible: bool, final_cost: int | None,
                     reason: str = "", over_pagu_confirmed: bool = False) -> Proposal:
    """Feasible (with the final cost) or infeasible (with the reason). Can be revised during review.

    A final cost above the area's pagu is usually a typing error (one zero too many); the
    verifikator confirms it explicitly, knowing the project then cannot be on the ballot."""
    reason = (reason or "").strip()
    if not feasible and not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    if feasible and (final_cost is None or final_cost <= 0):
        raise ValidationError({"final_cost": _("Biaya akhir wajib diisi untuk usulan yang layak.")})
    budget = proposal.area.budget
    if feasible and final_cost > budget and not over_pagu_confirmed:
        raise ValidationError({"final_cost": ValidationError(
            _("Biaya akhir %(cost)s melebihi pagu wilayah (%(budget)s), sehingga usulan tidak dapat masuk surat suara. "
              "Periksa angkanya; bila sudah benar, centang konfirmasi di bawah dan simpan lagi."),
            code="over_pagu", params={"cost": format_rupiah(final_cost), "budget": format_rupiah(budget)},
        )})
    return _transition(
        proposal=proposal, allowed_from=[Status.APPROVED, Status.FEASIBLE, Status.INFEASIBLE],
        to_status=Status.FEASIBLE if feasible else Status.INFEASIBLE, actor=actor, reason=reason,
        action="proposal.valuate", extra={"final_cost": final_cost},
        changes={"final_cost": final_cost if feasible else None},
    )


# --- carry-over into a later round ------------------------------------------------------------

@transaction.atomic
def proposal_move_round(*, proposal: Proposal, round: Round, area: Area, actor: User | None,  # noqa: A002
                        allowed_from: Iterable[str], reason: str) -> Proposal:
    """The same usulan (history, supporters, followers) goes on in a later round's area. A
    feasible usulan stays feasible there (so it can be on the next ballot)."""
    if area.round_id != round.pk:
        raise ValidationError({"area": _("Wilayah ini bukan bagian dari putaran tersebut.")})
    to_status = Status.FEASIBLE if proposal.status in {Status.FEASIBLE, Status.NOT_SELECTED} else proposal.status
    return _transition(proposal=proposal, allowed_from=allowed_from, to_status=to_status, actor=actor, reason=reason,
                       action="proposal.carry_over", extra={"to_round": round.pk},
                       changes={"round": round, "area": area})


# --- residents: supports, follows, comments, flags ------------------------------------------

@transaction.atomic
def support_toggle(*, proposal: Proposal, user: User) -> bool:
    """Supports or withdraws support; returns whether the user supports it now. Safe to repeat."""
    deleted, _info = Support.objects.filter(proposal=proposal, user=user).delete()
    if deleted:
        return False
    try:
        with transaction.atomic():
            Support.objects.create(proposal=proposal, user=user)
    except IntegrityError:  # a double tap: the other request created it
        pass
    return True


@transaction.atomic
def follow_toggle(*, proposal: Proposal, user: User) -> bool:
    deleted, _info = Follow.objects.filter(proposal=proposal, user=user).delete()
    if deleted:
        return False
    Follow.objects.get_or_create(proposal=proposal, user=user)
    return True


@transaction.atomic
def comment_create(*, proposal: Proposal, author: User, body: str) -> Comment:
    comment = Comment(proposal=proposal, author=author, body=(body or "").strip())
    if not comment.body:
        raise ValidationError({"body": _("Komentar tidak boleh kosong.")})
    comment.full_clean()
    comment.save()
    proposer = proposal.proposer
    if proposer is not None and proposer.pk != author.pk:
        notify(recipient=proposer, kind="proposal_comment",
               context={"title": proposal.title, "commenter": author.get_short_name(),
                        "excerpt": Truncator(comment.body).chars(140)},
               url=proposal.get_absolute_url() + f"#komentar-{comment.pk}")
    return comment


@transaction.atomic
def comment_set_hidden(*, comment: Comment, actor: User, hidden: bool, reason: str = "") -> Comment:
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    locked.hidden = hidden
    locked.save(update_fields=["hidden"])
    if not hidden:
        Flag.objects.filter(comment=locked).delete()
    audit_record(actor=actor, action="comment.hide" if hidden else "comment.restore", target=locked,
                 detail={"proposal": locked.proposal_id, "reason": reason})
    comment.hidden = hidden
    return locked


@transaction.atomic
def flag_create(*, user: User, proposal: Proposal | None = None, comment: Comment | None = None,
                reason: str = "") -> bool:
    """Records a report (once per person and item). When reports reach the round's threshold the
    content is hidden for LPM to review. Returns whether the content is hidden now."""
    if (proposal is None) == (comment is None):
        raise ValueError("flag exactly one of proposal or comment")
    target = proposal or comment
    flag = Flag(proposal=proposal, comment=comment, user=user, reason=(reason or "")[:200])
    try:
        with transaction.atomic():
            flag.save()
    except IntegrityError:
        pass  # already reported by this person
    round_ = (proposal or comment.proposal).round
    count = Flag.objects.filter(proposal=proposal, comment=comment).aggregate(n=Count("pk"))["n"]
    if count < round_.flag_threshold:
        return False
    if proposal is not None and is_on_locked_ballot(proposal):
        # Reports never take a project off an open ballot (three throwaway accounts could): the
        # project waits in the LPM's queue, and only an admin's public withdrawal removes it.
        return False
    reason_text = str(_("Disembunyikan otomatis setelah %(count)d laporan warga, menunggu pemeriksaan LPM.")) % {
        "count": count}
    if proposal is not None:
        try:
            proposal_hide(proposal=proposal, actor=None, reason=reason_text)
        except TransitionError:
            pass  # hidden already (or a draft)
        return True
    if not target.hidden:
        Comment.objects.filter(pk=comment.pk).update(hidden=True)
        rows_changed(Comment)  # no Flag was saved when this is a repeated report (the threshold lowered since)
        comment.hidden = True
        audit_record(actor=None, action="comment.hide", target=comment, detail={"reason": reason_text})
    return True


# --- kamus usulan -------------------------------------------------------------------------------

KAMUS_COLUMNS = ["kode", "nama", "satuan", "harga_satuan", "kategori", "opd"]


@dataclass
class KamusImportReport:
    read: int = 0
    stored: int = 0
    deactivated: int = 0
    refused: list[tuple[int, str]] = dataclasses.field(default_factory=list)  # (line number, reason)


class KamusFileError(ValueError):
    """The file as a whole cannot be used (no header, missing columns, no usable row)."""


def _category_lookup() -> dict[str, Category]:
    lookup = {}
    for category in Category.objects.all():
        for key in (category.slug, category.name, category.name_en):
            lookup[key.strip().lower()] = category
    return lookup


def kamus_rows_read(text: str) -> list[tuple[int, dict]]:
    """(line number, row) pairs of a kamus CSV. Comma or semicolon separated (Excel in Indonesia
    writes semicolons); the header names the columns in any order."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines(keepends=True)
    if not lines or not lines[0].strip():
        raise KamusFileError(str(_("Berkas kosong: baris pertama harus berisi nama kolom %(cols)s."))
                             % {"cols": ",".join(KAMUS_COLUMNS)})
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    missing = [column for column in KAMUS_COLUMNS if column not in header]
    if missing:
        raise KamusFileError(str(_("Kolom tidak ada: %(cols)s. Kolom yang diperlukan: %(all)s."))
                             % {"cols": ", ".join(missing), "all": ",".join(KAMUS_COLUMNS)})
    reader.fieldnames = header
    rows = []
    for row in reader:
        if not any((value or "").strip() for key, value in row.items() if key is not None and isinstance(value, str)):
            continue  # a blank line
        rows.append((reader.line_num, {key: (row.get(key) or "").strip() for key in KAMUS_COLUMNS}))
    return rows


@transaction.atomic
def kamus_import(*, rows: list[tuple[int, dict]], actor: User | None = None) -> KamusImportReport:
    """Replaces the kamus usulan with the good rows, in one transaction. Rows with an unknown
    category, a bad price, a missing field or a code already seen are refused with their line
    number and reason. Items not in the file are deactivated (proposals keep their reference).
    Refuses the whole file when no row is usable, so an empty export cannot wipe the kamus."""
    report = KamusImportReport(read=len(rows))
    categories = _category_lookup()
    seen: dict[str, int] = {}
    good: list[KamusItem] = []
    for line, row in rows:
        code = row["kode"]
        missing = [column for column in ("kode", "nama", "satuan", "opd") if not row[column]]
        if missing:
            report.refused.append((line, str(_("kolom kosong: %(cols)s")) % {"cols": ", ".join(missing)}))
            continue
        if code.lower() in seen:
            report.refused.append((line, str(_("kode %(code)s ganda (sudah ada di baris %(line)d)"))
                                   % {"code": code, "line": seen[code.lower()]}))
            continue
        try:
            price = parse_rupiah(row["harga_satuan"])
        except ValueError:
            price = 0
        if price <= 0:
            report.refused.append((line, str(_("harga satuan tidak sah: %(value)r (rupiah bulat lebih dari nol)"))
                                   % {"value": row["harga_satuan"]}))
            continue
        category = categories.get(row["kategori"].lower())
        if category is None:
            report.refused.append((line, str(_("kategori tidak dikenal: %(value)r")) % {"value": row["kategori"]}))
            continue
        item = KamusItem(code=code, name=row["nama"], unit=row["satuan"], unit_price=price, category=category,
                         opd=row["opd"], active=True)
        try:
            item.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            report.refused.append((line, "; ".join(f"{name}: {' '.join(str(m) for m in msgs)}"
                                                   for name, msgs in error.message_dict.items())))
            continue
        seen[code.lower()] = line
        good.append(item)
    if not good:
        raise KamusFileError(str(_("Tidak ada baris yang dapat disimpan; kamus lama tidak diubah.")))
    existing = {item.code.lower(): item for item in KamusItem.objects.select_for_update()}
    for item in good:
        current = existing.pop(item.code.lower(), None)
        if current is not None:
            item.pk = current.pk
            item.code = current.code
        item.save()
    report.stored = len(good)
    report.deactivated = KamusItem.objects.filter(pk__in=[i.pk for i in existing.values()], active=True).update(active=False)
    rows_changed(KamusItem)
    audit_record(actor=actor, action="kamus.import", target=good[0],
                 detail={"read": report.read, "stored": report.stored, "refused": len(report.refused),
                         "deactivated": report.deactivated})
    return report


def kamus_cost(*, item: KamusItem, volume) -> int:
    return indicative_cost(volume, item.unit_price)


# --- the outcome of a published result ----------------------------------------------------------

RESULT_SETTLED = _("Hasil pemungutan suara diumumkan.")


@transaction.atomic
def proposals_settle_result(*, round_id: int, area_id: int, selected_ids: Iterable[str], actor: User | None) -> int:
    """A published result decides the fate of every project that was on the area's ballot: funded
    (SELECTED) or not (NOT_SELECTED), recorded in each proposal's public history. Projects already
    being built (IN_PROGRESS, COMPLETED) keep their state. Proposers are not messaged one by one:
    the round's one results message tells every resident. Returns how many proposals changed."""
    from .selectors import project_ids_q

    chosen = project_ids_q(list(selected_ids))
    on_ballot = Proposal.objects.select_for_update().filter(
        round_id=round_id, area_id=area_id, status__in=[Status.FEASIBLE, Status.SELECTED, Status.NOT_SELECTED])
    funded = set(on_ballot.filter(chosen).values_list("pk", flat=True))
    changes = []
    for pk, previous in on_ballot.values_list("pk", "status"):
        target = Status.SELECTED if pk in funded else Status.NOT_SELECTED
        if previous != target:
            changes.append(StatusChange(proposal_id=pk, from_status=previous, to_status=target,
                                        reason=str(RESULT_SETTLED), actor=actor))
    for target in (Status.SELECTED, Status.NOT_SELECTED):
        pks = [c.proposal_id for c in changes if c.to_status == target]
        Proposal.objects.filter(pk__in=pks).update(status=target, updated_at=timezone.now())
    StatusChange.objects.bulk_create(changes)
    rows_changed(Proposal, StatusChange)
    return len(changes)
