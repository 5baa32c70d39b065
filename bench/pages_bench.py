"""Page throughput under gunicorn against a trivial Django view on the same server (SPEC section 8, issue 16).

Seeds the demo data into the benchmark database, starts gunicorn, and measures requests per
second and the gunicorn workers' CPU per request with a few keep-alive clients for each page;
reports HTML size and the ratios to the trivial view. Anonymous visitors are served by the page
cache of production (balikpapan_pb/middleware.py); the same pages are then measured for a
signed-in resident (balikpapan_pb/shared_pages.py: kept pages with their own bytes put in), the
ballot page from its kept cards, and ballot submissions: a signed-in demo resident POSTs a
confirmed knapsack ballot (the full path: session, CSRF, eligibility, validation, row lock,
upsert, redirect) against a trivial POST view. Every page is measured in ROUNDS rounds, the
trivial views first in each (see run()). Targets (issue 16): signed-in pages >= 0.5, the ballot
page and POST >= 0.25; HTML < 100 KB.
"""

import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "8765"))  # another port lets two checkouts measure side by side
CLIENTS = 4
SECONDS = 3.0
ROUNDS = int(os.environ.get("BENCH_PAGE_ROUNDS", "5"))


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
    """Every page measured ROUNDS times, each round the trivial views first and then every page
    in turn, so that a slower minute of this shared machine falls on the trivial view and the
    pages alike; each figure is the median over the rounds, each ratio the median of the rounds'
    ratios (requests per second, and the trivial view's worker CPU per request over the page's)."""
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
        pages = _pages()
        ballot_path, cookie, body = _ballot_post()
        # (label, path, cookie, method, body, statuses, baseline label)
        trivial, trivial_post = pages[0][0], "trivial POST view"
        measured = [(trivial, pages[0][1], "", "GET", None, (200,), trivial)]
        measured += [(f"{name}, visitor (anonymous page cache)", path, "", "GET", None, (200,), trivial)
                     for name, path in pages[1:]]
        # Signed-in residents: shared pages (home, a round, proposal list, a proposal, results) with their own
        # bytes put in; the ballot page from its kept cards.
        measured += [(f"{name}, signed-in resident", path, cookie, "GET", None, (200,), trivial)
                     for name, path in [*pages[1:], ("ballot page", ballot_path)]]
        measured += [(trivial_post, "/bench/trivial-post", "", "POST", body, (200,), trivial_post),
                     ("ballot submission, one voter again and again", ballot_path, cookie, "POST", body, (302,),
                      trivial_post)]
        _own, others_before = _ballot_counts()
        _measure(pages[0][1])  # warm-up
        for _label, path, page_cookie, method, page_body, ok, _base in measured:
            _measure(path, page_cookie, method=method, body=page_body, ok=ok)
        runs: dict[str, list[tuple[float, float, int, int]]] = {label: [] for label, *_rest in measured}
        for _round in range(ROUNDS):
            for label, path, page_cookie, method, page_body, ok, _base in measured:
                rps, size, errors = _measure(path, page_cookie, method=method, body=page_body, ok=ok)
                runs[label].append((rps, _LAST_CPU_MS[0], size, errors))
        rows = [_row(label, path, runs[label], runs[base]) for label, path, _c, _m, _b, _ok, base in measured]
        own, others = _ballot_counts()
        rows[-1]["page"] += f" (ballots of this voter afterwards: {own}, other ballots added: {others - others_before})"
        return rows
    finally:
        server.terminate()
        server.wait(timeout=30)


def _row(page: str, path: str, runs: list, baseline: list) -> dict:
    rps = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    return {"page": page, "path": path, "requests/s": round(rps, 1),
            "ratio to trivial": round(statistics.median(r[0] / b[0] for r, b in zip(runs, baseline, strict=True)), 2),
            "worker CPU ms/request": round(cpu, 2),
            "CPU ratio (trivial CPU / page CPU)": round(
                statistics.median(b[1] / r[1] for r, b in zip(runs, baseline, strict=True) if r[1]), 2),
            "HTML KB": round(runs[-1][2] / 1024, 1) if runs[-1][2] else "", "errors": sum(r[3] for r in runs)}


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


def _ballot_counts() -> tuple[int, int]:
    """The ballots of warga@demo.local in ap-2027 (a changed ballot waits, sealed, as a pending
    ballot until the next mix) and the other ballots of the area: the bench changes her one
    ballot again and again, so afterwards there is exactly one, and nobody else's is touched."""
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
    return own.count() + own_pending.count(), others.count()
