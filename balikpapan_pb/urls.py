from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, register_converter
from django.views.i18n import JavaScriptCatalog

from . import views
from .converters import CONVERTERS

# Every app's admin.py: loaded here rather than at start-up (balikpapan_pb.apps.AdminConfig).
admin.autodiscover()

# Before the apps' URLconfs are included: they name these converters.
for _name, _converter in CONVERTERS.items():
    register_converter(_converter, _name)

handler400 = "balikpapan_pb.views.error_400"
handler403 = "balikpapan_pb.views.error_403"
handler404 = "balikpapan_pb.views.error_404"
handler500 = "balikpapan_pb.views.error_500"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
]

# Bahasa Indonesia lives at /, English at /en/.
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("kebijakan-privasi/", views.privacy, name="privacy"),
    path("akun/", include("accounts.urls")),
    path("putaran/", include("rounds.urls")),
    path("usulan/", include("proposals.urls")),
    path("pilih/", include("voting.urls")),
    path("notifikasi/", include("notifications.urls")),
    path("musrenbang/", include("musrenbang.urls")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("", include("dashboard.urls")),
    prefix_default_language=False,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
