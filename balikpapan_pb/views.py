"""Site-wide pages that belong to no single app: home, privacy policy, health, errors."""

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


def home(request):
    context = {}
    try:  # the rounds app adds what a visitor can do now; the home page works without it
        from rounds.selectors import rounds_for_home

        context["rounds"] = rounds_for_home()
    except ImportError:
        context["rounds"] = []
    return render(request, "home.html", context)


def privacy(request):
    return render(request, "privacy.html")


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_status() -> str:
    if not settings.REDIS_URL:
        return "eager"  # no broker configured: tasks run in-process
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        return "ok" if client.ping() else "down"
    except redis.RedisError:
        return "down"


@never_cache
def healthz(request):
    database = _database_ok()
    broker = _broker_status()
    body = {"status": "ok" if database and broker != "down" else "degraded" if database else "down",
            "database": "ok" if database else "down", "broker": broker}
    return JsonResponse(body, status=200 if database else 503)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)
