from django.urls import path

from .views import home

app_name = "parents"

urlpatterns = [
    path("", home.index, name="index"),
    path("parents/", home.home, name="home"),
]
