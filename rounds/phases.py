"""The phases of a budget round, in order, and the features each one allows. Pure code.

Every permission asks `feature in PHASE_FEATURES[round.phase]`, never a date.
"""

from enum import StrEnum


class Feature(StrEnum):
    SUBMIT = "submit"        # propose and edit own proposals
    SUPPORT = "support"      # dukungan
    COMMENT = "comment"
    FLAG = "flag"
    FOLLOW = "follow"
    MODERATE = "moderate"    # LPM: approve, reject, ask for changes, merge, hide
    VALUATE = "valuate"      # verifikator: feasibility and final cost
    VOTE = "vote"            # online ballots
    PAPER = "paper"          # paper ballots entered by a moderator
    VERIFY_RESIDENCE = "verify_residence"
    TALLY = "tally"
    PUBLISH = "publish"
    PROGRESS = "progress"    # implementation updates


PHASE_ORDER = ["draft", "submission", "support", "review", "voting", "tallying", "results", "implementation"]

_ALWAYS = {Feature.FOLLOW, Feature.FLAG, Feature.VERIFY_RESIDENCE}
PHASE_FEATURES: dict[str, frozenset[Feature]] = {
    "draft": frozenset(),
    "submission": frozenset(_ALWAYS | {Feature.SUBMIT, Feature.COMMENT, Feature.MODERATE}),
    "support": frozenset(_ALWAYS | {Feature.SUPPORT, Feature.COMMENT, Feature.MODERATE}),
    "review": frozenset(_ALWAYS | {Feature.COMMENT, Feature.MODERATE, Feature.VALUATE}),
    "voting": frozenset(_ALWAYS | {Feature.VOTE, Feature.PAPER, Feature.COMMENT}),
    "tallying": frozenset(_ALWAYS | {Feature.TALLY}),
    "results": frozenset(_ALWAYS | {Feature.TALLY, Feature.PUBLISH, Feature.COMMENT}),
    "implementation": frozenset(_ALWAYS | {Feature.PROGRESS, Feature.COMMENT}),
}


VOTING_INDEX = PHASE_ORDER.index("voting")


def ballot_locked(phase: str) -> bool:
    """From the opening of voting on, the ballot (type and parameters, areas and budgets, the
    projects on it) is fixed and phases only move forward: a published result must keep
    describing the ballots it was computed from."""
    return PHASE_ORDER.index(phase) >= VOTING_INDEX


def next_phase(current: str) -> str | None:
    index = PHASE_ORDER.index(current)
    return PHASE_ORDER[index + 1] if index + 1 < len(PHASE_ORDER) else None


def allows(phase: str, feature: Feature | str) -> bool:
    return feature in PHASE_FEATURES.get(phase, frozenset())
