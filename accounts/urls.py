from django.contrib.auth import views as auth_views
from django.urls import path

from . import views, views_census

app_name = "accounts"
urlpatterns = [
    path("daftar/", views.register, name="register"),
    path("daftar/selesai/", views.register_done, name="register_done"),
    path("verifikasi/<signed:token>/", views.verify_email, name="verify_email"),
    path("verifikasi-ulang/", views.verification_resend, name="verification_resend"),
    path("masuk/", views.LoginView.as_view(), name="login"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("profil/", views.profile, name="profile"),
    path("profil/data-saya/", views.data_download, name="data_download"),
    path("profil/hapus-akun/", views.account_delete, name="account_delete"),
    path("profil/kode-undangan/", views.invitation_redeem, name="invitation_redeem"),
    path("verifikasi-domisili/", views.residence_desk, name="residence_desk"),
    path("verifikasi-domisili/<int:pk>/", views.residence_verify, name="residence_verify"),
    path("verifikasi-domisili/<int:pk>/atur-sandi/", views.desk_password_reset, name="desk_password_reset"),
    path("sandi-meja/<signed:token>/", views.desk_reset_confirm, name="desk_reset_confirm"),
    path("verifikasi-domisili/pindah-nik/", views_census.nik_move, name="nik_move"),
    path("kode-undangan/", views.invitations, name="invitations"),
    path("data-penduduk/", views_census.census_upload, name="census_upload"),
    path("data-penduduk/<int:pk>/", views_census.census_status, name="census_status"),
    path("data-penduduk/<int:pk>/lanjutkan/", views_census.census_resume, name="census_resume"),
    path("lupa-sandi/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "lupa-sandi/terkirim/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path("atur-sandi/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path(
        "atur-sandi/selesai/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]
