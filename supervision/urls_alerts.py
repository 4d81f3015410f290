"""Supervision routes: alerts (预警)."""

from django.urls import path

from .views import alerts

urlpatterns = [
    path("regulator/alerts/", alerts.regulator_inbox, name="alert-inbox"),
    path("centre/<int:centre_id>/alerts/", alerts.centre_inbox, name="centre-alerts"),
    path("alerts/<int:pk>/", alerts.alert_detail, name="alert-detail"),
    path("alerts/<int:pk>/act/", alerts.alert_act, name="alert-act"),
]
