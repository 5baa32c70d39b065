import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "balikpapan_pb.settings.production")
application = get_asgi_application()

from .celery import app as celery_app  # noqa: E402,F401  created at start, not by the first request that sends a task
