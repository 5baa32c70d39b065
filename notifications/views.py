from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .forms import PreferencesForm
from .kinds import Channel, Kind
from .messages import localized_path, render_message
from .models import Notification
from .tokens import BadToken

PAGE_SIZE = 20


def _back(request, default: str = "notifications:inbox"):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


def _masked(email: str | None) -> str:
    # The page needs no login: show enough of the address to recognise it, not to harvest it.
    name, _at, domain = (email or "").partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"


@login_required
def inbox(request):
    page = Paginator(selectors.inbox_for(user=request.user), PAGE_SIZE).get_page(request.GET.get("halaman"))
    language = get_language()
    entries = [
        {
            "notification": notification,
            "message": render_message(kind=notification.kind, context=notification.context, language=language),
            "link": localized_path(notification.url, language),
        }
        for notification in page.object_list
    ]
    return render(request, "notifications/inbox.html", {"page": page, "entries": entries})


@login_required
@require_POST
def mark_read(request, pk: int):
    try:
        services.notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist as exc:  # someone else's, or gone: nothing to see here
        raise Http404 from exc
    return _back(request)


@login_required
@require_POST
def mark_all_read(request):
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("Semua notifikasi sudah ditandai dibaca."))
    return _back(request)


@login_required
def preferences(request):
    form = PreferencesForm(request.POST or None, preferences=selectors.preferences_for(user=request.user))
    if request.method == "POST" and form.is_valid():
        services.preferences_update(user=request.user, enabled=form.enabled())
        messages.success(request, _("Pengaturan notifikasi disimpan."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form, "channels": Channel})


# No login: the link in the email is the proof. CSRF-exempt so that mail clients can use
# the one-click List-Unsubscribe-Post header (RFC 8058); the signed token is the secret.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        user, kind = selectors.unsubscribe_target(token=token)
    except BadToken:
        return render(request, "notifications/unsubscribe_invalid.html", status=400)
    context = {"token": token, "kind_label": Kind(kind).label, "email": _masked(user.email)}
    if request.method == "POST":
        services.email_unsubscribe(token=token, all_kinds=request.POST.get("scope") == "all")
        context["all_kinds"] = request.POST.get("scope") == "all"
        return render(request, "notifications/unsubscribe_done.html", context)
    return render(request, "notifications/unsubscribe_confirm.html", context)
