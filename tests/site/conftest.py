import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]



@pytest.fixture
def fresh_copy(tmp_path):
    """The project's files as a fresh clone has them (tracked and new), sharing the installed .venv."""
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    target = tmp_path / "suarawarga"
    for name in files:
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to(REPO / ".venv")
    return target


@pytest.fixture
def pages_kept_at_once(settings):
    """Shared pages on, and a page rendered just after a write kept (no guard): the hardest case
    for a write that must show on the next page."""
    from django.core.cache import caches

    settings.SHARED_PAGE_SECONDS = 300
    settings.CACHE_CHANGE_GUARD_SECONDS = 0
    caches["pages"].clear()
    yield
    caches["pages"].clear()
