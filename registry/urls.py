from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("", views.centre_home, name="centre-home"),
]
