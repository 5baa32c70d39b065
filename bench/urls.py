from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from balikpapan_pb.urls import urlpatterns as site_urlpatterns


def trivial(request):
    return HttpResponse("ok")


@csrf_exempt
def trivial_post(request):
    return HttpResponse("ok")


# The site's own patterns are appended, not include()d: they use i18n_patterns, which Django
# allows only in the root URLconf.
urlpatterns = [
    path("bench/trivial", trivial),
    path("bench/trivial-post", trivial_post),
    *site_urlpatterns,
]
