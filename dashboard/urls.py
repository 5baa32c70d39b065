from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("hasil/<round:slug>/", views.RoundResultsView.as_view(), name="round_results"),
    path("hasil/<round:slug>/hasil.csv", views.RoundResultsCsvView.as_view(), name="round_csv"),
    path("hasil/<round:slug>/hasil.json", views.RoundResultsJsonView.as_view(), name="round_json"),
    path("hasil/<round:slug>/pelaksanaan/", views.RoundProjectsView.as_view(), name="round_projects"),
    path("hasil/<round:slug>/<area:area_code>/", views.AreaResultsView.as_view(), name="area_results"),
    path("hasil/<round:slug>/<area:area_code>/cetak/", views.AreaPrintView.as_view(), name="area_print"),
    path("hasil/<round:slug>/<area:area_code>/hasil.csv", views.AreaResultsCsvView.as_view(), name="area_csv"),
    path("hasil/<round:slug>/<area:area_code>/hasil.json", views.AreaResultsJsonView.as_view(), name="area_json"),
    path("hasil/<round:slug>/<area:area_code>/surat-suara.pb", views.AreaPabulibView.as_view(), name="area_pb"),
    path("dewan/", views.CouncilDashboardView.as_view(), name="council"),
    path("dewan/peta.json", views.CouncilMapPointsView.as_view(), name="council_map_points"),
    path("dewan/partisipasi.csv", views.CouncilTurnoutCsvView.as_view(), name="council_turnout_csv"),
    path("data-terbuka/", views.OpenDataView.as_view(), name="open_data"),
    path("cek-tanda-terima/", views.ReceiptCheckView.as_view(), name="receipt_check"),
    path("pelaksanaan/<int:pk>/", views.ProjectProgressView.as_view(), name="project"),
    path("pelaksanaan/<int:pk>/lapor/", views.ProgressPostView.as_view(), name="progress_post"),
]
