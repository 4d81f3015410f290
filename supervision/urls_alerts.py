"""Supervision routes: alerts."""

urlpatterns: list = []
