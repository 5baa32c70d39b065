"""How many examples a property test draws under the loaded Hypothesis profile (tests/conftest.py)."""

from hypothesis import settings

_DEFAULT_MAX_EXAMPLES = 100  # Hypothesis' own default, which the "default" profile keeps


def examples(count: int) -> int:
    """``count`` under `make test`; scaled up as the profile is (ten times under `make fuzz`)."""
    return max(1, count * settings.default.max_examples // _DEFAULT_MAX_EXAMPLES)
