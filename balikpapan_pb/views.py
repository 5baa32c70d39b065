"""Site-wide pages that belong to no single app: home, privacy policy, health, errors."""

import logging

import redis
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from proposals.images import MAX_BYTES, MAX_PHOTOS

from . import context_processors

logger = logging.getLogger(__name__)


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


def _pages_ok(request) -> bool:
    """Render one real page: the 404 page extends base.html, so this runs the context processors,
    the navigation and every `{% static %}` of the frame, which the manifest storage refuses when
    collectstatic was not run or a file is missing. An instance that answers 500 on every page
    must not be kept in service by its load balancer."""
    try:
        render_to_string("404.html", request=request)
        return True
    except Exception:
        logger.exception("healthz: a page cannot be rendered")
        return False


@never_cache
def healthz(request):
    database = _database_ok()
    broker = _broker_status()
    pages = database and _pages_ok(request)
    healthy = database and pages
    body = {"status": ("ok" if broker != "down" else "degraded") if healthy else "down",
            "database": "ok" if database else "down", "pages": "ok" if pages else "down", "broker": broker}
    return JsonResponse(body, status=200 if healthy else 503)


def error_400(request, exception=None):
    """Django raises these while it reads a request, before any form can answer: say what to do."""
    from .uploads import view_upload_limit

    reason = advice = ""
    larger = view_upload_limit(request)
    if isinstance(exception, RequestDataTooBig) and larger is not None:
        # the census page: one file, not photos
        reason = _("Berkas terlalu besar: paling besar %(mb)d MB.") % {"mb": larger // (1024 * 1024)}
        advice = _("Kembali ke halaman sebelumnya dan unggah berkas yang lebih kecil.")
    elif isinstance(exception, TooManyFilesSent):
        reason = _("Terlalu banyak berkas dalam satu kiriman: paling banyak %(max)d foto.") % {"max": MAX_PHOTOS}
    elif isinstance(exception, RequestDataTooBig):
        reason = _("Kiriman terlalu besar: paling besar %(mb)d MB per foto, paling banyak %(max)d foto.") % {
            "mb": MAX_BYTES // (1024 * 1024), "max": MAX_PHOTOS}
    return render(request, "400.html", {"reason": reason, "advice": advice}, status=400)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    """Rendered without the request's context processors: they read the session, the user and
    the unread count from the database, and the database being down is a common reason to be
    here (a failing handler500 leaves only the server's bare "Internal Server Error"). The page
    then shows the visitor's menu; the language link needs no database."""
    context = {**context_processors.site(request), **context_processors.language_switch(request)}
    return HttpResponseServerError(render_to_string("500.html", context))
