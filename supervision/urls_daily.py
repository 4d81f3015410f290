"""Supervision routes: daily records (a class's day) and safety records (incidents, drills,
monthly checks, hazards)."""

from datetime import date

from django.urls import path, register_converter

from .views import daily, safety


class IsoDateConverter:
    """A day as YYYY-MM-DD; an impossible date (2026-02-30) does not match (404)."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)  # ValueError → no match

    def to_url(self, value) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)


register_converter(IsoDateConverter, "daily_isodate")

urlpatterns = [
    path("centre/<int:centre_id>/daily/", daily.daily_today, name="daily-today"),
    path("centre/<int:centre_id>/daily/<int:class_id>/<daily_isodate:day>/", daily.class_day,
         name="class-day"),
    path("centre/<int:centre_id>/incidents/", safety.incident_list, name="incident-list"),
    path("centre/<int:centre_id>/incidents/new/", safety.incident_create,
         name="incident-create"),
    path("centre/<int:centre_id>/incidents/<int:pk>/", safety.incident_detail,
         name="incident-detail"),
    path("centre/<int:centre_id>/safety/", safety.safety_records, name="safety-records"),
    path("centre/<int:centre_id>/safety/drills/new/", safety.drill_create, name="drill-create"),
    path("centre/<int:centre_id>/safety/checks/new/", safety.safety_check_create,
         name="safety-check-create"),
    path("centre/<int:centre_id>/safety/hazards/new/", safety.hazard_create,
         name="hazard-create"),
    path("centre/<int:centre_id>/safety/hazards/<int:pk>/fix/", safety.hazard_fix,
         name="hazard-fix"),
    path("regulator/incidents/", safety.regulator_incident_list,
         name="regulator-incident-list"),
    path("regulator/incidents/<int:pk>/", safety.regulator_incident_detail,
         name="regulator-incident-detail"),
]
