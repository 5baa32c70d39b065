"""Who a user is. Later apps compose these with their own object predicates."""

import rules

from .models import Role


@rules.predicate
def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role == Role.ADMIN))


def _has_role(role: str):
    @rules.predicate(name=f"has_role_{role}")
    def predicate(user) -> bool:
        return bool(user and user.is_authenticated and user.role == role)

    return predicate


is_moderator = _has_role(Role.MODERATOR)
is_verifikator = _has_role(Role.VERIFIKATOR)
is_council = _has_role(Role.COUNCIL)
is_citizen = _has_role(Role.CITIZEN)


@rules.predicate
def is_resident(user) -> bool:
    """Anyone with a declared kelurahan of residence: officers live somewhere too."""
    return bool(user and user.is_authenticated and user.kelurahan_id)


@rules.predicate
def is_of_voting_age(user) -> bool:
    return bool(user and user.is_authenticated and user.is_of_voting_age())


@rules.predicate
def is_self(user, other) -> bool:
    return bool(user and other is not None and user.pk == other.pk)


def _moderates(user, kelurahan_id: str | None) -> bool:
    return bool(kelurahan_id) and user.moderated_kelurahan.filter(pk=kelurahan_id).exists()


@rules.predicate
def moderates_residents_kelurahan(user, resident) -> bool:
    """An LPM officer of the kelurahan where `resident` declared to live."""
    return resident is not None and _moderates(user, resident.kelurahan_id)


@rules.predicate
def moderates_kelurahan(user, kelurahan) -> bool:
    return kelurahan is not None and _moderates(user, kelurahan.pk)


@rules.predicate
def is_plain_resident(user, resident) -> bool:
    """A citizen account with no staff powers: an officer may help with its password, never with an officer's."""
    return bool(resident is not None and resident.role == Role.CITIZEN
                and not resident.is_staff and not resident.is_superuser)
