"""An area's results do not set "100 pemilih" against "10 warga terdaftar" unexplained: accounts are
counted as accounts, and paper ballots of residents without one are said to be in the count."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_more_voters_than_accounts_is_explained_by_paper_ballots(demo):
    from dashboard.selectors import area_result
    from voting.models import ResultSnapshot

    shown = 0
    for snapshot in ResultSnapshot.objects.filter(round__slug="ap-2026", published_at__isnull=False):
        result = area_result(slug="ap-2026", code=snapshot.area.code)
        if result.registered < 10:
            continue
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ",
                                          Client().get(f"/hasil/ap-2026/{snapshot.area.code}/").content.decode()))
        assert "warga terdaftar" not in text
        assert f"{result.registered} warga punya akun di wilayah ini" in text
        explained = "pemilih lain memberi suara di kertas tanpa akun" in text
        assert explained == (result.voters > result.registered), (snapshot.area.code, result.voters, result.registered)
        shown += explained
    assert shown  # the demo has such an area, so the check can fail
