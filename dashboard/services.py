"""Writes of the dashboard: a published area's CSV and JSON, frozen the first time they are asked for."""

from collections.abc import Callable

from balikpapan_pb.shared_pages import rows_changed
from voting.models import FrozenResult

_FIELDS = {"csv": "results_csv", "json": "results_json"}


def frozen_download(*, frozen: FrozenResult, kind: str, build: Callable[[], str]) -> str:
    """The stored file, or, the first time, `build()` stored once (the first writer wins, so every
    visitor gets the same bytes from then on) and returned."""
    field = _FIELDS[kind]
    content = getattr(frozen, field)
    if content:
        return content
    FrozenResult.objects.filter(pk=frozen.pk, **{field: ""}).update(**{field: build()})
    rows_changed(FrozenResult)
    return FrozenResult.objects.values_list(field, flat=True).get(pk=frozen.pk)
