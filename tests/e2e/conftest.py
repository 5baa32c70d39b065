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
