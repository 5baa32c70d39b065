from django.urls import path

from . import views

app_name = "musrenbang"
urlpatterns = [
    path("<slug:slug>/sipd.csv", views.sipd_download, name="sipd"),
    path("usulan/<int:pk>/jejak/", views.step_record, name="record"),
    path("usulan/<int:pk>/lanjutkan/", views.carry_over, name="carry"),
    path("<slug:slug>/forum/", views.forum_list, name="forums"),
    path("<slug:slug>/forum/baru/<str:level>/<str:code>/", views.forum_create, name="forum_create"),
    path("forum/<int:pk>/", views.forum_detail, name="forum"),
    path("forum/<int:pk>/ubah/", views.forum_edit, name="forum_edit"),
    path("forum/<int:pk>/berita-acara/", views.berita_acara, name="berita_acara"),
    path("nasib/kelurahan/<str:code>/", views.nasib_kelurahan, name="nasib_kelurahan"),
    path("nasib/kecamatan/<str:code>/", views.nasib_kecamatan, name="nasib_kecamatan"),
]
