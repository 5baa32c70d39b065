"""Reads of Musrenbang: where an usulan stands on its journey, timelines, forums, nasib usulan."""

from dataclasses import dataclass

from .models import STAGE_ORDER, JourneyStep, Recommendation


@dataclass(frozen=True)
class Position:
    stage: str | None       # the stage whose recommendation is awaited (None once done or stopped)
    stopped: bool = False   # refused: the journey ends here
    deferred: bool = False  # deferred: waits (the usulan may be carried into the next round)
    reached: str | None = None  # the furthest stage accepted


def journey_position(*, steps: list[JourneyStep]) -> Position:
    """Pure: from the steps recorded so far (any order), where the usulan stands."""
    if not steps:
        return Position(stage=STAGE_ORDER[0])
    last = max(steps, key=lambda s: (s.created_at is not None, s.created_at, s.pk or 0))
    accepted = [s.stage_index for s in steps if s.recommendation == Recommendation.ACCEPTED]
    reached = STAGE_ORDER[max(accepted)] if accepted else None
    if last.recommendation == Recommendation.REFUSED:
        return Position(stage=None, stopped=True, reached=reached)
    if last.recommendation == Recommendation.DEFERRED:
        return Position(stage=last.stage, deferred=True, reached=reached)
    following = last.stage_index + 1
    return Position(stage=STAGE_ORDER[following] if following < len(STAGE_ORDER) else None, reached=reached)
