"""The README's "Production" section, followed word for word, serves the portal.

The commands are read from the README itself, so this test fails whenever the README's steps
stop working. In a fresh copy of the project, with production settings and a new PostgreSQL
database: migrate, compilemessages, collectstatic, then gunicorn (2 workers), both Celery
workers and beat, exactly as written (only the worker counts and the bind address are made to
fit this machine). Then, over HTTP as a visitor and as a newly registered resident: every main
page answers 200 with all its static files, CSS is served compressed and cached for a year, the
verification e-mail is delivered by the worker to an SMTP server, and a ballot is cast.
"""

import html
import http.client
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg
import pytest
import redis
from aiosmtpd.controller import Controller

from tests.net import free_port
from tests.site.conftest import REPO

pytestmark = pytest.mark.production

README = REPO / "README.md"
KEYS = {  # production refuses keys shorter than 32 characters
    "SECRET_KEY": "e2e-secret-key-" + "s" * 40,
    "NIK_HASH_KEY": "e2e-nik-hash-key-" + "n" * 32,
    "BALLOT_KEY": "e2e-ballot-key-" + "b" * 32,
}
YEAR = 365 * 24 * 3600


def readme_production_commands() -> list[str]:
    """The shell lines of the first code block under '## Production', comments removed."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Production\n", 1)[1]
    block = section.split("```", 2)[1]
    lines = [line.split("#", 1)[0].strip() for line in block.splitlines()[1:]]
    return [line for line in lines if line]


def fit_to_this_machine(command: str, port: int) -> list[str]:
    """The README's command with only the sizes and the address changed: 2 cores here."""
    command = command.replace("--workers 4", "--workers 2").replace("--concurrency 4", "--concurrency 2")
    command = command.replace("0.0.0.0:8000", f"127.0.0.1:{port}")
    return shlex.split(command)


# --- a small browser: cookies, forms, redirects, behind a TLS-terminating proxy ------------------------

@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    path: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    checkboxes: list[tuple[str, str]] = field(default_factory=list)


class FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self.open: Form | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.open = Form(action=a.get("action") or "", method=(a.get("method") or "get").lower())
            self.forms.append(self.open)
        elif tag == "input" and self.open and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind == "checkbox":
                self.open.checkboxes.append((a["name"], a.get("value", "on")))
            elif kind == "hidden":
                self.open.fields.append((a["name"], a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self.open = None


class Browser:
    """Requests as a phone sends them through the city's HTTPS proxy (X-Forwarded-Proto)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        all_headers = {"Host": f"127.0.0.1:{self.port}", "X-Forwarded-Proto": "https", "Accept-Language": "id"}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            all_headers.update({"Content-Type": "application/x-www-form-urlencoded",
                                "Origin": f"https://127.0.0.1:{self.port}",
                                "Referer": f"https://127.0.0.1:{self.port}{path}"})
        all_headers.update(headers or {})
        connection.request(method, path, body=body, headers=all_headers)
        raw = connection.getresponse()
        data = raw.read()
        for header, value in raw.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        connection.close()
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, data, path)

    def get(self, path: str, **headers) -> Response:
        for _hop in range(6):
            response = self.request("GET", path, headers=headers)
            if response.status not in (301, 302, 303):
                return response
            path = self._local(response.headers["location"])
        raise AssertionError(f"too many redirects from {path}")

    def submit(self, page: Response, form: Form, values: list[tuple[str, str]]) -> Response:
        response = self.request("POST", form.action or page.path, urlencode(form.fields + values).encode())
        if response.status in (301, 302, 303):
            return self.get(self._local(response.headers["location"]))
        return response

    @staticmethod
    def _local(location: str) -> str:
        parts = urlsplit(location)
        return parts.path + (f"?{parts.query}" if parts.query else "")


def main_form(page: Response) -> Form:
    """The page's own POST form (not the navigation's sign-out form)."""
    parser = FormParser()
    parser.feed(page.text)
    return next(f for f in parser.forms if f.method == "post" and "/keluar/" not in f.action)


def links(page: Response, pattern: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="([^"]+)"', page.text) if re.fullmatch(pattern, href)]


# --- the deployment ------------------------------------------------------------------------------------

class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


ADMIN_DB = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def new_database():
    """Creates empty PostgreSQL databases, dropped at the end."""
    names = []

    def create() -> str:
        names.append(f"suarawarga_e2e_{uuid.uuid4().hex[:8]}")
        with psycopg.connect(ADMIN_DB, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{names[-1]}"')
        return f"postgres://postgres@127.0.0.1:5432/{names[-1]}"

    yield create
    with psycopg.connect(ADMIN_DB, autocommit=True) as connection:
        for name in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url():
    """A Redis database of its own, so that no other test's worker takes these tasks: 7, or one
    below per pytest-xdist process after the first (balikpapan_pb/settings/test.py)."""
    from django.conf import settings

    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15").rsplit("/", 1)[0]
    url = f"{base}/{7 - int(settings.TEST_WORKER.removeprefix('gw') or 0)}"
    redis.Redis.from_url(url).flushdb()
    yield url
    redis.Redis.from_url(url).flushdb()


def production_env(root: Path, tmp_path: Path, port: int, database_url: str, redis_url: str, **more: str) -> dict:
    """The README's variables, with the project's virtualenv first on PATH as an operator has it."""
    return {
        "PATH": f"{root / '.venv' / 'bin'}:{os.environ['PATH']}", "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8", "DJANGO_SETTINGS_MODULE": "balikpapan_pb.settings.production", **KEYS,
        "DATABASE_URL": database_url, "REDIS_URL": redis_url, "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}", "MEDIA_ROOT": str(tmp_path / "media"), **more,
    }


class Deployment:
    def __init__(self, root: Path, env: dict[str, str], tmp_path: Path):
        self.root, self.env = root, env
        self.logs = tmp_path / f"logs-{uuid.uuid4().hex[:6]}"
        self.logs.mkdir()
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def seed_demo(self) -> None:
        """Something to show: the demo rounds. seed_demo is refused under production settings, so
        they are written with the development settings into the same database."""
        self.run(["python", "manage.py", "seed_demo", "--size", "small"],
                 DJANGO_SETTINGS_MODULE="balikpapan_pb.settings.local", REDIS_URL="")

    def run(self, argv: list[str], **extra_env: str) -> None:
        result = subprocess.run(argv, cwd=self.root, env={**self.env, **extra_env}, capture_output=True,
                                text=True, timeout=600)
        assert result.returncode == 0, f"{' '.join(argv)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"

    def start(self, argv: list[str]) -> None:
        log = open(self.logs / f"{len(self.processes)}-{argv[0]}.log", "w")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(argv, cwd=self.root, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.processes.append((" ".join(argv), process))

    def tails(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text()[-2500:]}" for path in sorted(self.logs.glob("*.log")))

    def stop(self) -> None:
        for _name, process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _name, process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def wait_for(predicate, seconds: float, what: str, deployment: Deployment):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for name, process in deployment.processes:
            assert process.poll() is None, f"{name} exited while waiting for {what}:\n{deployment.tails()}"
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}\n{deployment.tails()}")


def test_the_readme_production_section_serves_every_page(fresh_copy, new_database, redis_url, smtp_server, tmp_path):
    commands = readme_production_commands()
    assert commands[0].startswith("export DJANGO_SETTINGS_MODULE=balikpapan_pb.settings.production"), commands[0]
    commands = commands[1:]
    names = [shlex.split(c)[:3] for c in commands]
    assert names[:3] == [["python", "manage.py", "migrate"], ["python", "manage.py", "compilemessages"],
                         ["python", "manage.py", "collectstatic"]], "the README's production steps changed shape"
    assert [n[0] for n in names[3:]] == ["gunicorn", "celery", "celery", "celery"], names

    controller, mailbox = smtp_server
    port = free_port()
    deployment = Deployment(fresh_copy, production_env(fresh_copy, tmp_path, port, new_database(), redis_url,
                                                       EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(controller.port)),
                            tmp_path)
    try:
        # The three one-off steps, as written.
        for command in commands[:3]:
            deployment.run(fit_to_this_machine(command, port))
        deployment.seed_demo()
        # The long-running processes, as written.
        for command in commands[3:]:
            deployment.start(fit_to_this_machine(command, port))

        visitor = Browser(port)

        def healthy():
            try:
                response = visitor.get("/healthz")
            except OSError:
                return None
            return response if response.status == 200 else None

        health = wait_for(healthy, 60, "/healthz", deployment)
        assert '"pages": "ok"' in health.text and '"broker": "ok"' in health.text, health.text

        static_seen: dict[str, int] = {}

        def page(browser: Browser, path: str) -> Response:
            response = browser.get(path)
            assert response.status == 200, f"{path}: {response.status}\n{response.text[:2000]}\n{deployment.tails()}"
            for asset in set(re.findall(r'(?:href|src)="(/static/[^"]+)"', response.text)):
                if asset not in static_seen:
                    static_seen[asset] = browser.get(asset).status
            missing = {a: s for a, s in static_seen.items() if s != 200}
            assert not missing, f"static files not served: {missing}"
            return response

        def main_pages(browser: Browser) -> dict[str, Response]:
            home = page(browser, "/")
            round_path = links(home, r"/putaran/ap-2027/")[0]
            round_page = page(browser, round_path)
            listing = page(browser, links(round_page, r"/usulan/\?.*")[0] if links(round_page, r"/usulan/\?.*")
                           else "/usulan/")
            detail = page(browser, links(listing, r"/usulan/\d+/")[0])
            results = page(browser, "/hasil/ap-2026/")
            area = page(browser, links(results, r"/hasil/ap-2026/[0-9.]+/")[0])
            return {"home": home, "round": round_page, "list": listing, "detail": detail, "results": results,
                    "area": area}

        visitor_pages = main_pages(visitor)

        # Static files: compressed, and cached for a year (their names carry their hash).
        css = next(a for a in static_seen if "bootstrap" in a and a.endswith(".css"))
        js = next(a for a in static_seen if "bootstrap" in a and a.endswith(".js"))
        plain = visitor.get(css, **{"Accept-Encoding": "identity"})
        brotli = visitor.get(css, **{"Accept-Encoding": "gzip, deflate, br"})
        gzipped = visitor.get(css, **{"Accept-Encoding": "gzip"})
        assert brotli.headers.get("content-encoding") == "br"
        assert gzipped.headers.get("content-encoding") == "gzip"
        assert len(brotli.body) < len(plain.body) / 4
        max_age = int(re.search(r"max-age=(\d+)", brotli.headers["cache-control"]).group(1))
        assert max_age >= YEAR and "immutable" in brotli.headers["cache-control"]
        cold = len(visitor_pages["home"].body) + sum(
            len(visitor.get(a, **{"Accept-Encoding": "gzip, deflate, br"}).body)
            for a in static_seen if a.endswith((".css", ".js")) and "leaflet" not in a)
        print(f"cold home page, compressed: {cold / 1024:.1f} KiB (CSS {len(brotli.body) / 1024:.1f} KiB br, "
              f"{len(plain.body) / 1024:.1f} KiB plain; JS {len(visitor.get(js, **{'Accept-Encoding': 'br'}).body) / 1024:.1f} KiB br)",
              file=sys.stderr)

        # The city's census extract is imported as the README says; a resident it lists registers,
        # is verified by it (new rounds require a verified residence), gets the verification
        # e-mail from the worker, and votes.
        census = tmp_path / "penduduk.csv"
        census.write_text("nik,kelurahan_code\n6471051506909931,64.71.05.1006\n")
        deployment.run(["python", "manage.py", "import_census", str(census)])
        resident = Browser(port)
        form_page = page(resident, "/akun/daftar/")
        register = main_form(form_page)
        kelurahan = "64.71.05.1006"  # Gunung Bahagia
        done = resident.submit(form_page, register, [
            ("full_name", "Warga Uji Produksi"), ("email", "uji.produksi@example.net"), ("phone", ""),
            ("nik", "6471051506909931"), ("kelurahan", kelurahan), ("password1", "kata-sandi-uji-2027!"),
            ("password2", "kata-sandi-uji-2027!"), ("consent", "on")])
        assert done.status == 200 and done.path == "/akun/daftar/selesai/", done.text[:3000]

        mail = wait_for(lambda: mailbox.messages, 60, "the verification e-mail", deployment)[0]
        assert mail["To"] == "uji.produksi@example.net"
        body = (mail.get_payload(0) if mail.is_multipart() else mail).get_payload(decode=True).decode()
        link = re.search(rf"http://127\.0\.0\.1:{port}(/\S+)", body).group(1)
        verified = resident.get(link)
        assert verified.status == 200

        ballots = page(resident, "/pilih/")
        ballot_path = links(ballots, r"/pilih/ap-2027/wilayah/\d+/")[0]
        ballot_page = page(resident, ballot_path)
        ballot_form = main_form(ballot_page)
        first_project = next(c for c in ballot_form.checkboxes if c[0] == "project")
        confirm_page = resident.submit(ballot_page, ballot_form, [first_project])
        assert confirm_page.status == 200, confirm_page.text[:3000]
        confirm_form = main_form(confirm_page)
        saved = resident.submit(confirm_page, confirm_form, [("confirm", "1")])
        assert saved.status == 200 and saved.path.endswith("/tersimpan/"), saved.path

        resident_pages = main_pages(resident)
        assert "Warga Uji Produksi" in resident_pages["home"].text or "Keluar" in resident_pages["home"].text
        assert "Keluar" not in visitor_pages["home"].text
    finally:
        deployment.stop()


def readme_block(heading: str) -> list[str]:
    section = README.read_text(encoding="utf-8").split(f"\n{heading}\n", 1)[1]
    return [line for line in section.split("```", 2)[1].splitlines()[1:] if line.strip()]


def test_a_dump_restored_as_the_readme_says_serves_the_results(fresh_copy, new_database, redis_url, tmp_path):
    dump_line, restore_line = readme_block("### Backup and restore")
    port = free_port()
    original = new_database()
    deployment = Deployment(fresh_copy, production_env(fresh_copy, tmp_path, port, original, redis_url), tmp_path)
    deployment.run(["python", "manage.py", "migrate", "--noinput"])
    deployment.run(["python", "manage.py", "collectstatic", "--noinput"])
    deployment.seed_demo()
    deployment.run(["bash", "-c", dump_line])
    restored = new_database()
    deployment.run(["bash", "-c", restore_line], RESTORE_DATABASE_URL=restored)

    count = "SELECT count(*), sum(length(result::text)) FROM voting_resultsnapshot WHERE published_at IS NOT NULL"
    with psycopg.connect(original) as a, psycopg.connect(restored) as b:
        before, after = a.execute(count).fetchone(), b.execute(count).fetchone()
    assert before == after and before[0] > 0

    deployment.env["DATABASE_URL"] = restored
    deployment.start(["gunicorn", "balikpapan_pb.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}"])
    try:
        browser = Browser(port)

        def results():
            try:
                response = browser.get("/hasil/ap-2026/")
            except OSError:
                return None
            return response if response.status == 200 else None

        page = wait_for(results, 60, "the results page of the restored database", deployment)
        area = browser.get(links(page, r"/hasil/ap-2026/[0-9.]+/")[0])
        assert area.status == 200 and "Anggaran Partisipatif 2026" in area.text
    finally:
        deployment.stop()


def test_the_readme_commands_are_read_as_written():
    """The parser above reads the README's block itself, not a copy of it."""
    commands = readme_production_commands()
    assert "python manage.py collectstatic --noinput" in commands
    assert any(c.startswith("gunicorn balikpapan_pb.wsgi") for c in commands)
    assert fit_to_this_machine("gunicorn x --workers 4 --bind 0.0.0.0:8000", 9999) == [
        "gunicorn", "x", "--workers", "2", "--bind", "127.0.0.1:9999"]

