from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms import DUPLICATE_EMAIL, DUPLICATE_NIK, AccountDeleteForm, LoginForm, ProfileForm, RegistrationForm


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
        except services.DuplicateNik:
            form.add_error("nik", DUPLICATE_NIK)
        except services.DuplicateEmail:
            form.add_error("email", DUPLICATE_EMAIL)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
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
    services.verification_resend(user=request.user)
    messages.info(request, _("Tautan verifikasi baru sedang dikirim ke %(email)s.") % {"email": request.user.email})
    return redirect("accounts:profile")


@login_required
def profile(request):
    user = request.user
    initial = {"full_name": user.full_name, "email": user.email, "phone": user.phone, "language": user.language}
    form = ProfileForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(user=user, **form.cleaned_data)
        messages.success(request, _("Profil Anda sudah disimpan."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form, "profile_user": user})


@login_required
def data_download(request):
    data = services.user_data_export(user=request.user)
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
