from django.urls import path

from . import views

app_name = "musrenbang"
urlpatterns = [
    path("<slug:slug>/sipd.csv", views.sipd_download, name="sipd"),
    path("usulan/<int:pk>/jejak/", views.step_record, name="record"),
    path("usulan/<int:pk>/lanjutkan/", views.carry_over, name="carry"),
]
