from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


def trivial(request):
    return HttpResponse("ok")


@csrf_exempt
def trivial_post(request):
    return HttpResponse("ok")


urlpatterns = [
    path("bench/trivial", trivial),
    path("bench/trivial-post", trivial_post),
    path("", include("balikpapan_pb.urls")),
]
