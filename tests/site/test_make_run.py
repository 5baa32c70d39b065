"""`make run` boots on SQLite with no environment set, and serves / and /healthz."""

import os
import signal
import subprocess
import time
import urllib.request

from tests.net import free_port


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


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
