from django.urls import path

from .views import home, profile

app_name = "parents"

urlpatterns = [
    path("", home.index, name="index"),
    path("parents/", home.home, name="home"),
    path("centres/<int:centre_id>/profile/", profile.profile, name="centre-profile"),
    path("centres/compare/", profile.compare, name="compare"),
]
