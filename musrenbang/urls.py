from django.urls import path

from . import views

app_name = "musrenbang"
urlpatterns = [
    path("", views.index, name="index"),
    path("<round:slug>/sipd.csv", views.sipd_download, name="sipd"),
    path("usulan/<int:pk>/jejak/", views.step_record, name="record"),
    path("usulan/<int:pk>/lanjutkan/", views.carry_over, name="carry"),
    path("<round:slug>/forum/", views.forum_list, name="forums"),
    path("<round:slug>/forum/baru/<level:level>/<area:code>/", views.forum_create, name="forum_create"),
    path("forum/<int:pk>/", views.forum_detail, name="forum"),
    path("forum/<int:pk>/ubah/", views.forum_edit, name="forum_edit"),
    path("forum/<int:pk>/berita-acara/", views.berita_acara, name="berita_acara"),
    path("nasib/kelurahan/<area:code>/", views.nasib_kelurahan, name="nasib_kelurahan"),
    path("nasib/kecamatan/<area:code>/", views.nasib_kecamatan, name="nasib_kecamatan"),
]
