from django.urls import path

from .views import articles, home, profile

app_name = "parents"

urlpatterns = [
    path("", home.index, name="index"),
    path("parents/", home.home, name="home"),
    # articles for parents: read by anyone, written by regulators
    path("articles/", articles.article_list, name="articles"),
    path("articles/<int:pk>/", articles.article_detail, name="article"),
    path("regulator/articles/", articles.regulator_articles, name="regulator-articles"),
    path("regulator/articles/new/", articles.article_edit, name="article-create"),
    path("regulator/articles/<int:pk>/", articles.article_edit, name="article-edit"),
    path("regulator/articles/<int:pk>/publish/", articles.article_publish,
         name="article-publish"),
    path("centres/<int:centre_id>/profile/", profile.profile, name="centre-profile"),
    path("centres/compare/", profile.compare, name="compare"),
]
