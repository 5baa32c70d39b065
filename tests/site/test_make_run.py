"""`make run` boots on SQLite with no environment set, and serves / and /healthz (and a search)."""

import http.cookiejar
import os
import re
import signal
import subprocess
import time
import urllib.parse
import urllib.request

from tests.net import free_port


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _print_one_invitation_slip(base: str) -> str:
    """As the demo LPM officer, through the forms: sign in and print one invitation code."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def post(path: str, fields: dict) -> str:
        page = opener.open(base + path, timeout=10).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({**fields(page), "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(base + path, data=data, headers={"Referer": base + path})
        return opener.open(request, timeout=30).read().decode()

    post("/akun/masuk/", lambda page: {"username": "lpm@demo.local", "password": "suarawarga-demo"})
    return post("/akun/kode-undangan/", lambda page: {
        "kelurahan": re.search(r'<select name="kelurahan".*?<option value="([^"]+)"', page, re.S).group(1), "count": 1})


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
        # SQLite has no full-text search: ?q= looks in titles, descriptions and addresses with LIKE
        # (its search_document column, PostgreSQL's GIN-indexed tsvector, is NULL there).
        status, found = fetch(f"http://127.0.0.1:{port}/usulan/?q=pengaspalan")
        assert status == 200 and "Pengaspalan ulang" in found
        status, none = fetch(f"http://127.0.0.1:{port}/usulan/?q=tidak-ada-di-mana-mana")
        assert status == 200 and "Pengaspalan ulang" not in none
        # Links that leave the site (e-mails, printed invitation slips) name this server's port:
        # SITE_URL follows PORT (issue 13 saw e-mail links to port 8000 under PORT=8010).
        slip = _print_one_invitation_slip(f"http://127.0.0.1:{port}")
        assert f"http://127.0.0.1:{port}/akun/profil/" in slip
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
