from django.urls import path

from . import views

app_name = "musrenbang"
urlpatterns = [
    path("<slug:slug>/sipd.csv", views.sipd_download, name="sipd"),
]
