"""Supervision URLs, every route of the app, grouped by area. Centre side under
/centre/<centre_id>/…, regulator side under /regulator/…, parent side under /parent/…. Names
are ``supervision:<noun>-<verb>``."""

from datetime import date

from django.urls import path, register_converter

from .views import (
    alerts,
    children,
    complaints,
    daily,
    draws,
    inspections,
    rectification,
    reports,
    safety,
)

app_name = "supervision"


class IsoDateConverter:
    """A day as YYYY-MM-DD; an impossible date (2026-02-30) does not match (404)."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)  # ValueError → no match

    def to_url(self, value) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)


register_converter(IsoDateConverter, "daily_isodate")

C = "centre/<int:centre_id>/children/"

urlpatterns = [
    # --- children: centre side ---------------------------------------------------------------
    path(C, children.child_list, name="child-list"),
    path(f"{C}new/", children.child_create, name="child-create"),
    path(f"{C}report/", children.children_report, name="children-report"),
    path(f"{C}<int:pk>/", children.child_detail, name="child-detail"),
    path(f"{C}<int:pk>/edit/", children.child_edit, name="child-edit"),
    path(f"{C}<int:pk>/health-checks/", children.child_health_check,
         name="child-health-check"),
    path(f"{C}<int:pk>/vaccination-checks/", children.child_vaccination,
         name="child-vaccination"),
    path(f"{C}<int:pk>/guardians/", children.child_guardian_add, name="child-guardian-add"),
    path(f"{C}<int:pk>/guardians/<int:guardian_id>/edit/", children.guardian_edit,
         name="guardian-edit"),
    path(f"{C}<int:pk>/consents/", children.child_consent_add, name="child-consent-add"),
    path(f"{C}<int:pk>/consents/<int:consent_id>/withdraw/", children.consent_withdraw,
         name="consent-withdraw"),
    path(f"{C}<int:pk>/move/", children.child_move, name="child-move"),
    path(f"{C}<int:pk>/withdraw/", children.child_withdraw, name="child-withdraw"),
    path(f"{C}<int:pk>/readmit/", children.child_readmit, name="child-readmit"),
    # --- children: regulator side ------------------------------------------------------------
    path("regulator/centres/<int:centre_id>/children/", children.regulator_child_list,
         name="regulator-child-list"),
    path("regulator/centres/<int:centre_id>/children/<int:pk>/",
         children.regulator_child_detail, name="regulator-child-detail"),
    # --- children: parent side ---------------------------------------------------------------
    path("parent/children/", children.my_children, name="my-children"),
    path("parent/children/<int:pk>/", children.my_child_detail, name="my-child-detail"),

    # --- daily records -----------------------------------------------------------------------
    path("centre/<int:centre_id>/daily/", daily.daily_today, name="daily-today"),
    path("centre/<int:centre_id>/daily/attendance/<int:pk>/guardian-told/", daily.guardian_told,
         name="guardian-told"),
    path("centre/<int:centre_id>/daily/<int:class_id>/<daily_isodate:day>/", daily.class_day,
         name="class-day"),

    # --- safety records: centre side ---------------------------------------------------------
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
    # --- safety records: regulator side ------------------------------------------------------
    path("regulator/incidents/", safety.regulator_incident_list,
         name="regulator-incident-list"),
    path("regulator/incidents/<int:pk>/", safety.regulator_incident_detail,
         name="regulator-incident-detail"),

    # --- inspections: regulator side ---------------------------------------------------------
    path("regulator/inspections/plan/", inspections.inspection_plan, name="inspection-plan"),
    path("regulator/inspections/", inspections.inspection_list, name="inspection-list"),
    path("regulator/inspections/<int:pk>/", inspections.inspection_detail,
         name="inspection-detail"),
    # --- inspections: centre side, and the report (centre members, regulators responsible) --
    path("centre/<int:centre_id>/inspections/", inspections.centre_inspections,
         name="centre-inspections"),
    path("inspections/<int:pk>/report.pdf", inspections.inspection_report_pdf,
         name="inspection-report-pdf"),

    # --- random inspections (双随机): regulator side, and the public results (一公开) ---------
    path("regulator/random-draws/", draws.draw_list, name="draw-list"),
    path("regulator/random-draws/new/", draws.draw_create, name="draw-create"),
    path("regulator/random-draws/<int:pk>/", draws.draw_detail, name="draw-detail"),
    path("regulator/random-draws/conflicts/", draws.conflict_list, name="conflict-list"),
    path("centres/random-inspections/", draws.public_results, name="public-random-results"),
    path("centres/<int:centre_id>/random-inspections/", draws.public_centre_results,
         name="public-centre-random-results"),

    # --- rectification orders: regulator side -----------------------------------------------
    path("regulator/rectifications/", rectification.rectification_list,
         name="rectification-list"),
    path("regulator/rectifications/new/", rectification.rectification_create,
         name="rectification-create"),
    path("regulator/rectifications/<int:pk>/", rectification.rectification_detail,
         name="rectification-detail"),
    # --- rectification orders: centre side ---------------------------------------------------
    path("centre/<int:centre_id>/rectifications/<int:pk>/", rectification.centre_rectification,
         name="centre-rectification"),
    # --- rectification orders: files and the order (centre members, regulators responsible) -
    path("rectification-evidence/<int:pk>/", rectification.evidence_file,
         name="rectification-evidence-file"),
    path("rectifications/<int:pk>/order.pdf", rectification.rectification_pdf,
         name="rectification-pdf"),

    # --- complaints (regulator side) ---------------------------------------------------------
    path("regulator/complaints/", complaints.complaint_list, name="complaint-list"),
    path("regulator/complaints/new/", complaints.complaint_create, name="complaint-create"),
    path("regulator/complaints/<int:pk>/", complaints.complaint_detail,
         name="complaint-detail"),

    # --- annual reports ---------------------------------------------------------------------
    path("centre/<int:centre_id>/annual-reports/", reports.annual_reports,
         name="annual-reports"),
    path("centre/<int:centre_id>/annual-reports/<int:pk>/correct/",
         reports.annual_report_correct, name="annual-report-correct"),
    path("regulator/annual-reports/", reports.regulator_annual_reports,
         name="regulator-annual-reports"),
    path("annual-reports/<int:pk>/", reports.annual_report_file, name="annual-report-file"),

    # --- alerts ------------------------------------------------------------------------------
    path("regulator/alerts/", alerts.regulator_inbox, name="alert-inbox"),
    path("centre/<int:centre_id>/alerts/", alerts.centre_inbox, name="centre-alerts"),
    path("alerts/<int:pk>/", alerts.alert_detail, name="alert-detail"),
    path("alerts/<int:pk>/act/", alerts.alert_act, name="alert-act"),
]
