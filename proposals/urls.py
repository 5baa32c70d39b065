from django.urls import path

from . import views

app_name = "proposals"
urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("peta/", views.proposal_map, name="map"),
    path("peta/titik.json", views.proposal_map_points, name="map_points"),
    path("saya/", views.my_proposals, name="mine"),
    path("baru/", views.proposal_start, name="start"),
    path("baru/<round:slug>/", views.proposal_create, name="create"),
    path("<int:pk>/", views.proposal_detail, name="detail"),
    path("<int:pk>/ubah/", views.proposal_edit, name="edit"),
    path("<int:pk>/ajukan/", views.proposal_submit, name="submit"),
    path("<int:pk>/dukung/", views.support_toggle, name="support"),
    path("<int:pk>/ikuti/", views.follow_toggle, name="follow"),
    path("<int:pk>/komentar/", views.comment_create, name="comment"),
    path("<int:pk>/laporkan/", views.proposal_flag, name="flag"),
    path("<int:pk>/moderasi/", views.proposal_moderate, name="moderate"),
    path("<int:pk>/valuasi/", views.proposal_valuate, name="valuate"),
    path("komentar/<int:pk>/laporkan/", views.comment_flag, name="comment_flag"),
    path("komentar/<int:pk>/moderasi/", views.comment_moderate, name="comment_moderate"),
    path("moderasi/", views.moderation_queue, name="moderation"),
    path("valuasi/", views.valuation_queue, name="valuation"),
]
