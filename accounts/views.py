import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from rules.contrib.views import objectgetter, permission_required

from . import selectors, services
from .audit import audit_record
from .forms import (
    DUPLICATE_MESSAGES,
    AccountDeleteForm,
    InvitationBatchForm,
    InvitationCodeForm,
    LoginForm,
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
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_register(
                full_name=data["full_name"], email=data["email"], phone=data["phone"], nik=data["nik"],
                kelurahan=data["kelurahan"], password=data["password1"], language=request.LANGUAGE_CODE,
            )
        except services.Duplicate as duplicate:
            form.add_error(duplicate.field, DUPLICATE_MESSAGES[duplicate.field])
        else:
            login(request, user, backend="accounts.backends.EmailOrPhoneBackend")
            return redirect("accounts:register_done")
    return render(request, "accounts/register.html", {"form": form})


@login_required
def register_done(request):
    return render(request, "accounts/register_done.html")


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
        # A fresh, empty field: the NIK is not echoed back into the page, and the next resident is ready.
        # What the officer compares with the KTP comes from the NIK just typed: nothing of it is stored.
        context.update(form=ResidentLookupForm(), searched=True, resident=resident,
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
    link = services.password_reset_link_at_desk(resident=resident, actor=request.user)
    qr = segno.make(link, error="m").svg_inline(scale=5, dark="#000", light="#fff")
    return render(request, "accounts/desk_password_reset.html", {"resident": resident, "link": link, "qr": qr})


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
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset_body.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    # Whoever set the new password is signed in at once; this also lifts a sign-in lock after too
    # many wrong passwords, as the lock's message promises.
    post_reset_login = True
    post_reset_login_backend = "accounts.backends.EmailOrPhoneBackend"
