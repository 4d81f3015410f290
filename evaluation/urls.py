from django.urls import path

from .views import banlist, credit, reviews

app_name = "evaluation"

urlpatterns = [
    # reviews by guardians
    path("parent/placements/<int:pk>/review/", reviews.review_create, name="review-create"),
    path("parent/centres/<int:centre_id>/review/", reviews.review_start, name="review-start"),
    path("regulator/reviews/", reviews.review_list, name="review-list"),
    path("regulator/reviews/<int:pk>/", reviews.review_moderate, name="review-moderate"),
    path("centre/<int:centre_id>/reviews/", reviews.centre_reviews, name="centre-reviews"),
    path("centres/<int:centre_id>/reviews/", reviews.public_centre_reviews,
         name="public-centre-reviews"),
    path("regulator/ban-list/", banlist.ban_list, name="ban-list"),
    path("regulator/ban-list/new/", banlist.ban_create, name="ban-create"),
    path("regulator/ban-list/<int:pk>/", banlist.ban_detail, name="ban-detail"),
    path("regulator/ban-list/<int:pk>/confirm/", banlist.ban_confirm, name="ban-confirm"),
    path("regulator/ban-list/<int:pk>/lift/", banlist.ban_lift, name="ban-lift"),
    path("centre/<int:centre_id>/credit/", credit.centre_credit, name="centre-credit"),
    path("centre/<int:centre_id>/credit/events/<int:pk>/appeal/", credit.credit_appeal,
         name="credit-appeal"),
    path("regulator/credit/", credit.credit_list, name="credit-list"),
    path("regulator/credit/export/", credit.credit_export, name="credit-export"),
    path("regulator/credit/centres/<int:centre_pk>/", credit.regulator_centre_credit,
         name="regulator-centre-credit"),
    path("regulator/credit/appeals/", credit.appeal_list, name="credit-appeals"),
    path("regulator/credit/appeals/<int:pk>/", credit.appeal_decide,
         name="credit-appeal-decide"),
]
