from django.urls import path

from .views import reviews

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
]
