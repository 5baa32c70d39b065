"""`make run` boots on SQLite with no environment set, and serves / and /healthz."""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


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


def test_make_run_serves_the_portal_on_sqlite_with_no_environment(fresh_copy):
    port = free_port()
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}
    process = subprocess.Popen(
        ["make", "run", f"PORT={port}"], cwd=fresh_copy, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                status, body = fetch(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(1)
        assert status == 200, f"make run did not serve /healthz:\n{process.stdout.read() if process.poll() is not None else ''}"
        assert '"database": "ok"' in body and '"broker": "eager"' in body
        status, home = fetch(f"http://127.0.0.1:{port}/")
        assert status == 200
        assert '<html lang="id">' in home and "Suara Warga" in home
        assert (fresh_copy / "db.sqlite3").exists()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
