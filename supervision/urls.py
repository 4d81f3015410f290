"""Supervision URLs. Centre side under /centre/<centre_id>/…, regulator side under
/regulator/…. Names are ``supervision:<noun>-<verb>``; each area keeps its routes in its own
module, included here without a namespace of its own."""

from django.urls import include, path

app_name = "supervision"

urlpatterns = [
    path("", include("supervision.urls_children")),
    path("", include("supervision.urls_daily")),
    path("", include("supervision.urls_inspections")),
    path("", include("supervision.urls_alerts")),
]
