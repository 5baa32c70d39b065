"""Who is responsible for which Musrenbang step. Roles only: what the usulan's state allows
(the order of stages) is checked by the services, so a superuser gets exactly an admin's powers."""

import rules

from accounts.predicates import is_moderator, is_verifikator
from rounds.models import AreaLevel


def _kelurahan_id(proposal) -> str | None:
    return proposal.area.kelurahan_id if proposal.area.level == AreaLevel.KELURAHAN else None


def _kecamatan_id(proposal) -> str | None:
    area = proposal.area
    if area.level == AreaLevel.KELURAHAN:
        return area.kelurahan_id[:8] if area.kelurahan_id else None  # 64.71.05.1006 -> 64.71.05
    return area.kecamatan_id


@rules.predicate
def moderates_proposal_kelurahan(user, proposal) -> bool:
    kelurahan_id = proposal is not None and user.is_authenticated and _kelurahan_id(proposal)
    return bool(kelurahan_id and user.moderated_kelurahan.filter(pk=kelurahan_id).exists())


@rules.predicate
def moderates_proposal_kecamatan(user, proposal) -> bool:
    kecamatan_id = proposal is not None and user.is_authenticated and _kecamatan_id(proposal)
    return bool(kecamatan_id and user.moderated_kecamatan.filter(pk=kecamatan_id).exists())


@rules.predicate
def verifies_proposal_category(user, proposal) -> bool:
    return bool(proposal is not None and user.is_authenticated
                and proposal.category.verifikators.filter(pk=user.pk).exists())


@rules.predicate
def is_proposer(user, proposal) -> bool:
    return bool(proposal is not None and user.is_authenticated and proposal.proposer_id == user.pk)


@rules.predicate
def moderates_forum_wilayah(user, forum) -> bool:
    """An LPM officer of the forum's kelurahan, or a kecamatan-scoped officer of its kecamatan."""
    if forum is None or not user.is_authenticated:
        return False
    if forum.level == AreaLevel.KELURAHAN:
        return bool(forum.kelurahan_id and user.moderated_kelurahan.filter(pk=forum.kelurahan_id).exists())
    if forum.level == AreaLevel.KECAMATAN:
        return bool(forum.kecamatan_id and user.moderated_kecamatan.filter(pk=forum.kecamatan_id).exists())
    return False  # the city forum is the admin's


is_lpm_of_kelurahan = is_moderator & moderates_proposal_kelurahan
is_kecamatan_officer = is_moderator & moderates_proposal_kecamatan
is_opd = is_verifikator & verifies_proposal_category
is_forum_officer = is_moderator & moderates_forum_wilayah
