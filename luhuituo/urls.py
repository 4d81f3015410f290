from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("LuHuiTuo administration")
admin.site.site_title = _("LuHuiTuo administration")

urlpatterns = [
    path("", include("luhuituo.core.urls")),
    path("", include("parents.urls")),
    path("regulator/", include("luhuituo.dashboard.urls")),
    path("", include("registry.urls")),
    path("", include("supervision.urls")),
    path("", include("evaluation.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("support/", admin.site.urls),
]

handler400 = "luhuituo.core.errors.bad_request"
handler403 = "luhuituo.core.errors.permission_denied"
handler404 = "luhuituo.core.errors.page_not_found"
handler500 = "luhuituo.core.errors.server_error"
