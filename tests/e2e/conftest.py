"""Headless Debian Chromium driven by Playwright, shared by the browser tests."""

import os

import pytest

# Live-server tests touch the database from Playwright's event loop thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# As root, without the sandbox; no background traffic (this machine has no network beyond loopback).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


@pytest.fixture
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def sign_in(page, live_server, email: str, password: str) -> None:
    """Through the login form, as a person would."""
    page.goto(f"{live_server.url}/akun/masuk/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]:has-text('Masuk')")
    page.wait_for_load_state()


@pytest.fixture(scope="session", autouse=True)
def _live_server_connections_closed(django_db_setup, django_db_blocker):
    """The live server answers Chromium's keep-alive connections in daemon threads, which can
    still hold a connection to the test database when the session ends; pytest-django could
    then not drop it ("being accessed by other users"). Close them after the live server stops."""
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        connection.close()
