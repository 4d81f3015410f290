"""Supervision routes: children (centre side, regulator side, parent side)."""

from django.urls import path

from .views import children as views

C = "centre/<int:centre_id>/children/"

urlpatterns = [
    # --- centre side ---------------------------------------------------------------------------
    path(C, views.child_list, name="child-list"),
    path(f"{C}new/", views.child_create, name="child-create"),
    path(f"{C}report/", views.children_report, name="children-report"),
    path(f"{C}<int:pk>/", views.child_detail, name="child-detail"),
    path(f"{C}<int:pk>/edit/", views.child_edit, name="child-edit"),
    path(f"{C}<int:pk>/health-checks/", views.child_health_check, name="child-health-check"),
    path(f"{C}<int:pk>/vaccination-checks/", views.child_vaccination, name="child-vaccination"),
    path(f"{C}<int:pk>/guardians/", views.child_guardian_add, name="child-guardian-add"),
    path(f"{C}<int:pk>/guardians/<int:guardian_id>/edit/", views.guardian_edit,
         name="guardian-edit"),
    path(f"{C}<int:pk>/consents/", views.child_consent_add, name="child-consent-add"),
    path(f"{C}<int:pk>/consents/<int:consent_id>/withdraw/", views.consent_withdraw,
         name="consent-withdraw"),
    path(f"{C}<int:pk>/move/", views.child_move, name="child-move"),
    path(f"{C}<int:pk>/withdraw/", views.child_withdraw, name="child-withdraw"),
    path(f"{C}<int:pk>/readmit/", views.child_readmit, name="child-readmit"),
    # --- regulator side ------------------------------------------------------------------------
    path("regulator/centres/<int:centre_id>/children/", views.regulator_child_list,
         name="regulator-child-list"),
    path("regulator/centres/<int:centre_id>/children/<int:pk>/", views.regulator_child_detail,
         name="regulator-child-detail"),
    # --- parent side ---------------------------------------------------------------------------
    path("parent/children/", views.my_children, name="my-children"),
    path("parent/children/<int:pk>/", views.my_child_detail, name="my-child-detail"),
]
