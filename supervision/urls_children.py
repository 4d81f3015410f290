"""Supervision routes: children."""

urlpatterns: list = []
