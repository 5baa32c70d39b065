from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("kotak-masuk/", views.inbox, name="inbox"),
    path("kotak-masuk/<int:pk>/dibaca/", views.mark_read, name="mark_read"),
    path("kotak-masuk/semua-dibaca/", views.mark_all_read, name="mark_all_read"),
    path("pengaturan-notifikasi/", views.preferences, name="preferences"),
    path("berhenti-langganan/<signed:token>/", views.unsubscribe, name="unsubscribe"),
]
