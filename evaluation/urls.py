from django.urls import path

from . import banlist_views

app_name = "evaluation"

urlpatterns = [
    path("regulator/ban-list/", banlist_views.ban_list, name="ban-list"),
    path("regulator/ban-list/new/", banlist_views.ban_create, name="ban-create"),
    path("regulator/ban-list/<int:pk>/", banlist_views.ban_detail, name="ban-detail"),
    path("regulator/ban-list/<int:pk>/confirm/", banlist_views.ban_confirm, name="ban-confirm"),
    path("regulator/ban-list/<int:pk>/lift/", banlist_views.ban_lift, name="ban-lift"),
]
