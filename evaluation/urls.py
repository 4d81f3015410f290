from django.urls import path

from . import views

app_name = "evaluation"

urlpatterns = [
    path("centre/<int:centre_id>/credit/", views.centre_credit, name="centre-credit"),
    path("centre/<int:centre_id>/credit/events/<int:pk>/appeal/", views.credit_appeal,
         name="credit-appeal"),
    path("regulator/credit/", views.credit_list, name="credit-list"),
    path("regulator/credit/export/", views.credit_export, name="credit-export"),
    path("regulator/credit/centres/<int:centre_pk>/", views.regulator_centre_credit,
         name="regulator-centre-credit"),
    path("regulator/credit/appeals/", views.appeal_list, name="credit-appeals"),
    path("regulator/credit/appeals/<int:pk>/", views.appeal_decide,
         name="credit-appeal-decide"),
]
