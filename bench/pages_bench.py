"""Page throughput under gunicorn against a trivial Django view on the same server (SPEC section 8).

Seeds the demo data into the benchmark database, starts gunicorn, and measures requests per
second with a few keep-alive clients for each page; reports HTML size and the ratio to the
trivial view. Targets: ratio >= 0.5, HTML < 100 KB. Anonymous visitors are served by the
page cache of production (balikpapan_pb/middleware.py); the same pages are then measured
for a signed-in resident: home, the rounds, a round, the proposal list and a proposal from the shared pages
(balikpapan_pb/shared_pages.py) with their own token and badge put in, the others rendered. Then ballot submissions: a signed-in demo
resident POSTs a confirmed knapsack ballot (the full path: session, CSRF, eligibility,
validation, row lock, upsert, redirect) against a trivial POST view; target ratio >= 0.5.
"""

import http.client
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "8765"))  # another port lets two checkouts measure side by side
CLIENTS = 4
SECONDS = 5.0


def _measure(path: str, cookie: str = "", method: str = "GET", body: str | None = None,
             ok: tuple[int, ...] = (200,)) -> tuple[float, int, int]:
    """Requests per second over SECONDS with CLIENTS keep-alive connections; size of the page; errors."""
    counts = [0] * CLIENTS
    errors = [0] * CLIENTS
    size = [0]
    stop = time.perf_counter() + SECONDS
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        while time.perf_counter() < stop:
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                content = response.read()
                if response.status not in ok:
                    errors[i] += 1
                size[0] = len(content)
                counts[i] += 1
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    started = time.perf_counter()
    cpu_before = _worker_cpu_seconds()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _LAST_CPU_MS[0] = (_worker_cpu_seconds() - cpu_before) * 1000 / max(sum(counts), 1)
    return sum(counts) / (time.perf_counter() - started), size[0], sum(errors)


_LAST_CPU_MS = [0.0]  # worker CPU per request of the last _measure, in ms


_WORKERS: list[int] = []  # gunicorn's worker pids, whose CPU time each measurement reads


def _worker_cpu_seconds() -> float:
    """User + system CPU of the gunicorn workers so far (from /proc), to give CPU per request:
    steadier than requests per second on a machine shared with other work."""
    total = 0
    for pid in _WORKERS:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def _find_workers(master: int) -> None:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    _WORKERS[:] = [int(pid) for pid in children]


def _wait_for_server() -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/bench/trivial")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("gunicorn did not start")


def _pages() -> list[tuple[str, str]]:
    from proposals.models import Proposal
    from rounds.models import Round

    pages = [("trivial Django view", "/bench/trivial"), ("home", "/")]
    round_ = Round.objects.filter(slug="ap-2027").first()
    if round_:
        pages.append(("round page", round_.get_absolute_url()))
        pages.append(("proposal list", "/usulan/"))
        proposal = Proposal.objects.filter(round=round_, status="feasible").first()
        if proposal:
            pages.append(("proposal detail", proposal.get_absolute_url()))
    published = Round.objects.filter(slug="ap-2026").first()
    if published:
        area = published.areas.filter(snapshots__published_at__isnull=False).first()
        if area:
            pages.append(("results page", f"/hasil/{published.slug}/{area.code}/"))
    return pages


def run() -> list[dict]:
    from django.core.management import call_command

    from accounts.models import User

    if not User.objects.filter(email="warga@demo.local").exists():
        call_command("seed_demo", size="small")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "balikpapan_pb.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{PORT}",
         "--env", "DJANGO_SETTINGS_MODULE=bench.settings", "--log-level", "warning"],
        cwd=REPO, env=env,
    )
    try:
        _wait_for_server()
        _find_workers(server.pid)
        rows = []
        baseline = None
        pages = _pages()
        for name, path in pages:
            _measure(path) if baseline is None else None  # warm-up of the first page
            rps, size, errors = _measure(path)
            baseline = baseline or rps
            label = name if path.startswith("/bench/") else f"{name}, visitor (anonymous page cache)"
            rows.append(_row(label, path, rps, baseline, size, errors))
        # Signed-in residents: shared pages (home, rounds, a round, proposal list, a proposal, results) with their own bytes
        # put in, the others rendered for them.
        ballot = _ballot_post()
        ballot_path, cookie, _body = ballot
        for name, path in [*pages[1:], ("ballot page", ballot_path)]:
            rps, size, errors = _measure(path, cookie)
            rows.append(_row(f"{name}, signed-in resident", path, rps, baseline, size, errors))
        rows.extend(_ballot_rows(*ballot))
        return rows
    finally:
        server.terminate()
        server.wait(timeout=30)


def _row(page: str, path: str, rps: float, baseline: float, size: int, errors: int) -> dict:
    return {"page": page, "path": path, "requests/s": round(rps, 1), "ratio to trivial": round(rps / baseline, 2),
            "worker CPU ms/request": round(_LAST_CPU_MS[0], 2), "HTML KB": round(size / 1024, 1), "errors": errors}


def _ballot_post() -> tuple[str, str, str]:
    """The URL, cookies and form body of a confirmed ballot of warga@demo.local in ap-2027."""
    from urllib.parse import urlencode

    from django.conf import settings
    from django.test import Client
    from django.utils.crypto import get_random_string

    from accounts.models import User
    from rounds.models import Round
    from voting import selectors

    user = User.objects.get(email="warga@demo.local")
    round_ = Round.objects.get(slug="ap-2027")
    area = round_.areas.get(kelurahan_id=user.kelurahan_id)
    costs = selectors.ballot_project_costs(area)
    cheapest = min(costs, key=costs.get)
    client = Client()
    client.force_login(user)
    secret = get_random_string(32)  # Django takes an unmasked secret equal to the cookie's
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; " \
             f"{settings.CSRF_COOKIE_NAME}={secret}"
    body = urlencode({"csrfmiddlewaretoken": secret, "project": cheapest, "confirm": "1"})
    return f"/pilih/{round_.slug}/wilayah/{area.pk}/", cookie, body


def _ballot_rows(path: str, cookie: str, body: str) -> list[dict]:
    from accounts.models import User
    from rounds.models import Area
    from voting.models import Ballot, PendingBallot
    from voting.selectors import pending_key, voter_key

    user = User.objects.get(email="warga@demo.local")
    area = Area.objects.get(round__slug="ap-2027", kelurahan_id=user.kelurahan_id)
    own = Ballot.objects.filter(voter_key=voter_key(nik_hash=user.nik_hash, round_id=area.round_id, area_id=area.pk))
    own_pending = PendingBallot.objects.filter(
        lookup_key=pending_key(nik_hash=user.nik_hash, round_id=area.round_id, area_id=area.pk))
    others = Ballot.objects.filter(area=area).exclude(pk__in=own.values("pk"))
    others_before = others.count()
    trivial, _size, trivial_errors = _measure("/bench/trivial-post", method="POST", body=body)
    trivial_cpu = _LAST_CPU_MS[0]
    ours, _size, errors = _measure(path, cookie, method="POST", body=body, ok=(302,))
    # The voter's one ballot, changed again and again: exactly one afterwards, nobody else's touched.
    # (a changed ballot waits, sealed, as a pending ballot until the next mix)
    label = (f"ballots of this voter afterwards: {own.count() + own_pending.count()}, "
             f"other ballots added: {others.count() - others_before}")
    return [
        {"page": "trivial POST view", "path": "/bench/trivial-post", "requests/s": round(trivial, 1),
         "ratio to trivial": 1.0, "worker CPU ms/request": round(trivial_cpu, 2), "HTML KB": "", "errors": trivial_errors},
        {"page": f"ballot submission, one voter again and again ({label})", "path": path,
         "requests/s": round(ours, 1), "ratio to trivial": round(ours / trivial, 2),
         "worker CPU ms/request": round(_LAST_CPU_MS[0], 2), "HTML KB": "", "errors": errors},
    ]
