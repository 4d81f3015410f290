from django.urls import path

from . import views

app_name = "parents"

urlpatterns = [
    path("", views.index, name="index"),
    path("parents/", views.home, name="home"),
]
