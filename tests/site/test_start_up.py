"""What a process loads at start-up (issue 16): `manage.py tally --sync` sends no task and serves
no page, so it loads neither Celery nor the apps' admin modules; wherever a task is sent, it is
bound to the project's Celery app all the same. Each check runs in a fresh Python process, as a
command does (this test process has long imported both)."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
APPS = ("wilayah", "accounts", "rounds", "proposals", "voting", "notifications", "dashboard", "musrenbang")


def fresh_python(code: str) -> dict:
    """Runs `code` after django.setup() in a new interpreter; it prints one JSON value."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "balikpapan_pb.settings.test"}
    done = subprocess.run([sys.executable, "-c", "import django, json, sys\ndjango.setup()\n" + code], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_tally_in_its_own_process_loads_no_celery_and_no_admin_module():
    loaded = fresh_python(
        "from voting import services\nfrom voting.management.commands import tally\nimport voting.tally\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('celery', 'kombu', 'billiard') "
        f"or m in {[f'{app}.admin' for app in APPS]!r})))")
    assert loaded == []


def test_a_task_sent_from_a_process_that_never_named_the_app_goes_through_the_projects_app():
    """A web process or a command imports a tasks module only where it sends a task: that import
    creates the project's app (broker from the settings), and the shared task resolves to it."""
    state = fresh_python(
        "from django.conf import settings\nfrom voting import tasks\nfrom celery import current_app\n"
        "task = tasks.tally_round._get_current_object()\n"
        "print(json.dumps({'app': task.app.main, 'current': current_app.main, "
        "'broker': task.app.conf.broker_url == settings.CELERY_BROKER_URL, "
        "'registered': 'voting.tasks.tally_round' in task.app.tasks}))")
    assert state == {"app": "balikpapan_pb", "current": "balikpapan_pb", "broker": True, "registered": True}


def test_the_admin_is_complete_once_the_urls_or_its_checks_are_loaded():
    counts = fresh_python(
        "from django.contrib import admin\nbefore = len(admin.site._registry)\n"
        "from django.core import checks\nerrors = checks.run_checks(tags=[checks.Tags.admin])\n"
        "after_checks = len(admin.site._registry)\nimport balikpapan_pb.urls\n"
        "from voting.models import Ballot\nfrom accounts.models import User\n"
        "print(json.dumps([before, after_checks, len(admin.site._registry), len(errors), "
        "admin.site.is_registered(User), admin.site.is_registered(Ballot)]))")
    before, after_checks, after_urls, errors, user_registered, ballot_registered = counts
    assert before == 0 and after_checks == after_urls > 10 and errors == 0
    assert user_registered and not ballot_registered
