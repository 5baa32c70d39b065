"""The Celery app. Broker, routes and time limits come from Django settings (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "balikpapan_pb.settings.local")

app = Celery("balikpapan_pb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
