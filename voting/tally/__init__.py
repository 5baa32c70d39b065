"""The pure tally engine: greedy, Method of Equal Shares (+add1) and Borda, plus pabulib I/O.

Nothing here imports Django, so the rules can be tested and benchmarked on their own and
re-run by anyone on the published ``.pb`` files.
"""

from .domain import Ballots, Project, ProjectResult, TallyResult
from .engine import tally, tally_totals
from .money import format_rupiah
from .pabulib import PabulibInstance, parse_pabulib, write_pabulib

__all__ = [
    "Ballots",
    "PabulibInstance",
    "Project",
    "ProjectResult",
    "TallyResult",
    "format_rupiah",
    "parse_pabulib",
    "tally",
    "tally_totals",
    "write_pabulib",
]
