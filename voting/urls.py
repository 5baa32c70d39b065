from django.urls import path

from . import views

app_name = "voting"
urlpatterns = [
    path("", views.index, name="index"),
    path("<round:round_slug>/wilayah/<int:area_id>/", views.ballot, name="ballot"),
    path("<round:round_slug>/wilayah/<int:area_id>/tersimpan/", views.done, name="done"),
    path("<round:round_slug>/wilayah/<int:area_id>/kertas/", views.paper, name="paper"),
    path("<round:round_slug>/rekapitulasi/", views.tally_overview, name="tally"),
    path("<round:round_slug>/rekapitulasi/mulai/", views.tally_start, name="tally_start"),
    path("<round:round_slug>/rekapitulasi/umumkan/", views.round_publish, name="round_publish"),
    path("<round:round_slug>/rekapitulasi/umumkan/<int:snapshot_id>/", views.snapshot_publish, name="publish"),
    path("<round:round_slug>/tarik/<int:proposal_id>/", views.ballot_project_withdraw, name="withdraw"),
]
