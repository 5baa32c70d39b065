import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from rules.contrib.views import objectgetter, permission_required

from . import desk, disputes, selectors, services
from .audit import audit_record
from .census import census_check_at_registration, census_outcome
from .forms import (
    DUPLICATE_MESSAGES,
    TOO_MANY_FROM_CLIENT,
    TOO_MANY_REGISTRATIONS,
    AccountDeleteForm,
    InvitationBatchForm,
    InvitationCodeForm,
    LoginForm,
    PasswordResetRequestForm,
    ProfileForm,
    RegistrationForm,
    ResidentLookupForm,
)
from .models import Gender, User
from .nik import parse_nik


def register(request):
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = RegistrationForm(request.POST or None)
    valid = request.method == "POST" and form.is_valid()
    if request.method == "POST" and (valid or getattr(form, "taken", None)):
        # Every answer that could tell whether an email, a number or a NIK is registered counts.
        refused = _registration_throttled(request)
        if refused:
            form.errors.clear()
            form.add_error(None, refused)
            return render(request, "accounts/register.html", {"form": form}, status=429)
        if "email" in form.taken:
            _registration_attempt_notice(form.cleaned_data.get("email") or request.POST.get("email", ""),
                                         request.LANGUAGE_CODE)
    if valid:
        data = form.cleaned_data
        try:
            user = services.user_register(
                full_name=data["full_name"], email=data["email"], phone=data["phone"], nik=data["nik"],
                kelurahan=data["kelurahan"], password=data["password1"], language=request.LANGUAGE_CODE,
            )
        except services.DuplicateNik:
            user = _register_without_nik(request, form) if data.get("nik_taken") else None
            if user is not None:
                login(request, user, backend="accounts.backends.EmailOrPhoneBackend")
                return redirect("accounts:register_done")
            # "This NIK is taken" is an answer about a NIK: it counts, so that the form cannot test NIKs in bulk.
            from .throttle import client_ip, throttle_hit

            throttle_hit("register_nik_taken_per_client", client_ip(request))
            if not form.errors:
                form.add_error("nik", DUPLICATE_MESSAGES["nik"])
        except services.Duplicate as duplicate:
            form.add_error(duplicate.field, DUPLICATE_MESSAGES[duplicate.field])
        else:
            census_check_at_registration(user=user)
            login(request, user, backend="accounts.backends.EmailOrPhoneBackend")
            return redirect("accounts:register_done")
    return render(request, "accounts/register.html", {"form": form})


def _registration_attempt_notice(email: str, language: str) -> None:
    from .tasks import send_registration_attempt_notice

    email = email.strip().lower()
    transaction.on_commit(lambda: send_registration_attempt_notice.delay(email, language), robust=True)


def _registration_throttled(request) -> str | None:
    """Registration per client address: 20 complete attempts an hour, and after 3 answers "this NIK
    is taken" in a day, none until the day is over, so that the form cannot test NIKs in bulk."""
    from .throttle import client_ip, throttle_allowed, throttle_hit

    client = client_ip(request)
    if not throttle_allowed("register_nik_taken_per_client", client) or not throttle_hit("register_per_client", client):
        return TOO_MANY_REGISTRATIONS
    return None


def _register_without_nik(request, form) -> User | None:
    """The NIK is taken and the person says it is theirs: an account without it (accounts.disputes)."""
    data = form.cleaned_data
    try:
        return disputes.user_register_without_nik(
            full_name=data["full_name"], email=data["email"], phone=data["phone"], kelurahan=data["kelurahan"],
            password=data["password1"], language=request.LANGUAGE_CODE,
        )
    except services.Duplicate as duplicate:
        form.add_error(duplicate.field, DUPLICATE_MESSAGES[duplicate.field])
        return None


@login_required
def register_done(request):
    return render(request, "accounts/register_done.html", {"census": census_outcome(user=request.user)})


def verify_email(request, token: str):
    user = services.user_verify_email(token=token)
    if user is None:
        return render(request, "accounts/verify_failed.html", status=400)
    messages.success(request, _("Email Anda sudah terverifikasi. Terima kasih!"))
    return redirect("accounts:profile" if request.user.is_authenticated else "accounts:login")


@login_required
@require_POST
def verification_resend(request):
    if not request.user.email:
        messages.error(request, _("Akun Anda belum memiliki email. Tambahkan email di profil terlebih dahulu."))
        return redirect("accounts:profile")
    from .throttle import client_ip, throttle_hit

    if not (throttle_hit("verify_resend_per_client", client_ip(request))
            and throttle_hit("verify_resend_per_client", f"user:{request.user.pk}")):
        messages.error(request, TOO_MANY_FROM_CLIENT)
        return redirect("accounts:profile")
    services.verification_resend(user=request.user)
    messages.info(request, _("Tautan verifikasi baru sedang dikirim ke %(email)s.") % {"email": request.user.email})
    return redirect("accounts:profile")


@login_required
def profile(request):
    user = request.user
    initial = {"full_name": user.full_name, "email": user.email, "phone": user.phone, "language": user.language}
    form = ProfileForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_profile(user=user, **form.cleaned_data)
        except services.Duplicate as duplicate:
            form.add_error(duplicate.field, DUPLICATE_MESSAGES[duplicate.field])
        else:
            messages.success(request, _("Profil Anda sudah disimpan."))
            return redirect("accounts:profile")
        user.refresh_from_db()  # the page shows what is stored, not the refused change
    return render(request, "accounts/profile.html", {"form": form, "profile_user": user})


@login_required
@require_POST
def invitation_redeem(request):
    form = InvitationCodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Masukkan kode undangan yang tertulis di kertas dari RT."))
        return redirect("accounts:profile")
    try:
        services.invitation_redeem(user=request.user, code=form.cleaned_data["code"])
    except services.ResidenceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Domisili Anda sudah terverifikasi. Anda dapat memilih di wilayah Anda."))
    return redirect("accounts:profile")


@login_required
@permission_required("accounts.use_residence_desk", raise_exception=True)
def residence_desk(request):
    """The LPM officer's desk: find a resident by the NIK on the KTP they show, then verify."""
    form = ResidentLookupForm(request.POST or None)
    context = {"form": form, "searched": False}
    if request.method == "POST" and form.is_valid():
        typed = parse_nik(form.cleaned_data["nik"])
        resident = selectors.resident_by_nik(nik=typed.nik)
        # The desk shows an officer only the residents of the kelurahan they serve (a city admin: all).
        # Of an account elsewhere it says only that the NIK is registered in another kelurahan.
        elsewhere = resident is not None and not selectors.kelurahan_for_residence_desk(user=request.user) \
            .filter(pk=resident.kelurahan_id).exists()
        if elsewhere:
            audit_record(actor=request.user, action="residence.lookup_elsewhere", target=resident, detail={})
            resident = None
        # A fresh, empty field: the NIK is not echoed back into the page, and the next resident is ready.
        # What the officer compares with the KTP comes from the NIK just typed: nothing of it is stored.
        context.update(form=ResidentLookupForm(), searched=True, resident=resident, registered_elsewhere=elsewhere,
                       typed={"masked": "*" * 12 + typed.nik[-4:], "birth_date": typed.birth_date,
                              "gender": Gender(typed.gender).label},
                       may_verify=bool(resident) and request.user.has_perm("accounts.verify_residence", resident),
                       may_reset_password=bool(resident)
                       and request.user.has_perm("accounts.reset_password_at_desk", resident))
        if resident is not None:  # looking a person up is processing their data: it is logged
            audit_record(actor=request.user, action="residence.lookup", target=resident, detail={})
    return render(request, "accounts/residence_desk.html", context)


@login_required
@require_POST
@permission_required("accounts.verify_residence", fn=objectgetter(User, "pk"), raise_exception=True)
def residence_verify(request, pk: int):
    # The rule has checked the person exists; the service locks and reads their row itself.
    resident = services.residence_verify(user=User(pk=pk), actor=request.user, method="in_person")
    messages.success(request, _("Domisili %(name)s di Kelurahan %(kelurahan)s sudah diverifikasi.")
                     % {"name": resident.full_name, "kelurahan": resident.kelurahan.name if resident.kelurahan else "—"})
    return redirect("accounts:residence_desk")


@never_cache
@login_required
@require_POST
@permission_required("accounts.reset_password_at_desk", fn=objectgetter(User, "pk"), raise_exception=True)
def desk_password_reset(request, pk: int):
    """A QR code the resident scans with their own phone to choose a new password."""
    resident = User.objects.get(pk=pk)
    try:
        link = desk.desk_reset_issue(resident=resident, officer=request.user)
    except desk.DeskResetRefused as refused:
        messages.error(request, str(refused))
        return redirect("accounts:residence_desk")
    qr = segno.make(link, error="m").svg_inline(scale=5, dark="#000", light="#fff")
    return render(request, "accounts/desk_password_reset.html",
                  {"resident": resident, "link": link, "qr": qr, "minutes": desk.DESK_RESET_MINUTES})


@never_cache
def desk_reset_confirm(request, token: str):
    """The page the desk's QR code opens: a new password, once, within 15 minutes."""
    ticket = desk.desk_reset_open(token=token)
    if ticket is None:
        return render(request, "accounts/desk_reset_invalid.html", status=410)
    form = SetPasswordForm(ticket.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = desk.desk_reset_use(token=token, password=form.cleaned_data["new_password1"])
        if user is None:  # used or expired between the page and the button
            return render(request, "accounts/desk_reset_invalid.html", status=410)
        _sign_in_locks_lift(user)
        logout(request)
        login(request, user, backend="accounts.backends.EmailOrPhoneBackend")
        messages.success(request, _("Kata sandi baru Anda sudah disimpan dan Anda sudah masuk."))
        return redirect("accounts:profile")
    return render(request, "accounts/password_reset_confirm.html", {"form": form, "validlink": True})


def _sign_in_locks_lift(user: User) -> None:
    """A new password lifts every sign-in lock on the account, from every address."""
    from axes.utils import reset as axes_reset

    from .throttle import axes_username

    for name in filter(None, [user.email, user.phone]):
        axes_reset(username=axes_username(None, {"username": name}))


@login_required
@permission_required("accounts.use_residence_desk", raise_exception=True)
def invitations(request):
    """Print one-time codes for a kelurahan; they are shown once, on the sheet made now."""
    choices = selectors.kelurahan_for_residence_desk(user=request.user)
    form = InvitationBatchForm(request.POST or None, kelurahan_choices=choices)
    if request.method == "POST" and form.is_valid():
        kelurahan = form.cleaned_data["kelurahan"]
        if not request.user.has_perm("accounts.issue_invitations", kelurahan):
            raise PermissionDenied
        codes = services.invitation_codes_create(kelurahan=kelurahan, count=form.cleaned_data["count"],
                                                 actor=request.user)
        return render(request, "accounts/invitation_sheet.html", {
            "kelurahan": kelurahan, "codes": [services.invitation_code_format(c) for c in codes],
            # A slip travels on paper: it names the page where the code goes in full.
            "redeem_address": settings.SITE_URL + reverse("accounts:profile"),
        })
    return render(request, "accounts/invitations.html",
                  {"form": form, "counts": selectors.invitation_counts(kelurahan=choices)})


@login_required
def data_download(request):
    data = services.user_data_export(user=request.user)
    # UU PDP: processing personal data is logged, a person's own copy included.
    audit_record(actor=request.user, action="personal_data.export", target=request.user, detail={})
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="data-saya-suara-warga.json"'
    return response


@login_required
def account_delete(request):
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_delete(user=request.user)
        logout(request)
        messages.success(request, _("Akun Anda sudah dihapus. Terima kasih telah ikut serta."))
        return redirect("home")
    return render(request, "accounts/account_delete.html", {"form": form})


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    """The request only checks the form, counts the client and queues a task after commit: no
    account lookup, no hashing, no mail here, so an existing and a missing account get the same
    answer in the same time. The worker looks the address up and sends (accounts.tasks)."""

    template_name = "accounts/password_reset.html"
    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        from .tasks import send_password_reset
        from .throttle import client_ip, throttle_hit

        if not throttle_hit("reset_per_client", client_ip(self.request)):
            form.add_error(None, TOO_MANY_FROM_CLIENT)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        email, language = form.cleaned_data["email"], self.request.LANGUAGE_CODE
        transaction.on_commit(lambda: send_password_reset.delay(email, language), robust=True)
        return redirect(self.success_url)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    # Whoever set the new password is signed in at once; this also lifts a sign-in lock after too
    # many wrong passwords, as the lock's message promises.
    post_reset_login = True
    post_reset_login_backend = "accounts.backends.EmailOrPhoneBackend"

    def form_valid(self, form):
        _sign_in_locks_lift(self.user)
        return super().form_valid(form)
