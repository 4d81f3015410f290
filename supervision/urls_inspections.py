"""Supervision routes: inspections."""

urlpatterns: list = []
