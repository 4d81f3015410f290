from django.urls import path

from .views import home, search

app_name = "parents"

urlpatterns = [
    path("", home.index, name="index"),
    path("parents/", home.home, name="home"),
    path("centres/search/", search.search, name="search"),
]
