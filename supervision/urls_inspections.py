"""Supervision routes: inspections, rectification orders, complaints, and their documents."""

from django.urls import path

from .views import complaints, inspections, rectification

urlpatterns = [
    # --- regulator side -------------------------------------------------------------------------
    path("regulator/inspections/plan/", inspections.inspection_plan, name="inspection-plan"),
    path("regulator/inspections/", inspections.inspection_list, name="inspection-list"),
    path("regulator/inspections/<int:pk>/", inspections.inspection_detail,
         name="inspection-detail"),
    path("regulator/rectifications/", rectification.rectification_list,
         name="rectification-list"),
    path("regulator/rectifications/new/", rectification.rectification_create,
         name="rectification-create"),
    path("regulator/rectifications/<int:pk>/", rectification.rectification_detail,
         name="rectification-detail"),
    path("regulator/complaints/", complaints.complaint_list, name="complaint-list"),
    path("regulator/complaints/new/", complaints.complaint_create, name="complaint-create"),
    path("regulator/complaints/<int:pk>/", complaints.complaint_detail,
         name="complaint-detail"),
    # --- centre side ------------------------------------------------------------------------------
    path("centre/<int:centre_id>/inspections/", inspections.centre_inspections,
         name="centre-inspections"),
    path("centre/<int:centre_id>/rectifications/<int:pk>/", rectification.centre_rectification,
         name="centre-rectification"),
    # --- files and documents: centre members and the regulators responsible ---------------
    path("rectification-evidence/<int:pk>/", rectification.evidence_file,
         name="rectification-evidence-file"),
    path("rectifications/<int:pk>/order.pdf", rectification.rectification_pdf,
         name="rectification-pdf"),
    path("inspections/<int:pk>/report.pdf", inspections.inspection_report_pdf,
         name="inspection-report-pdf"),
]
