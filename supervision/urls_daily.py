"""Supervision routes: daily."""

urlpatterns: list = []
