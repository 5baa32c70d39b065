from django.urls import path

from . import views

app_name = "rounds"
urlpatterns = [
    path("", views.round_list, name="list"),
    path("<round:slug>/", views.round_detail, name="detail"),
    path("<round:slug>/tahap-berikutnya/", views.round_advance, name="advance"),
]
