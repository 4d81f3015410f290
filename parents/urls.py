from django.urls import path

from .views import (
    accounts,
    api,
    applications,
    articles,
    complaints,
    home,
    linking,
    profile,
    search,
)

app_name = "parents"

C = "centre/<int:centre_id>/"

urlpatterns = [
    path("", home.index, name="index"),
    path("parents/", home.home, name="home"),
    path("centres/search/", search.search, name="search"),
    path("api/", api.docs, name="api-docs"),
    path("api/centres/", api.centres, name="api-centres"),
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
    path("parents/register/", accounts.register, name="register"),
    path("parents/link/", linking.link, name="link"),
    path("parents/applications/", applications.application_list, name="application-list"),
    path("parents/applications/children/new/", applications.applicant_child_create,
         name="applicant-child-create"),
    path("parents/applications/children/<int:child_id>/apply/",
         applications.application_create, name="application-create"),
    path("parents/applications/<int:pk>/withdraw/", applications.application_withdraw,
         name="application-withdraw"),
    path("parents/complaints/", complaints.complaint_list, name="complaint-list"),
    path("parents/complaints/new/", complaints.complaint_create, name="complaint-create"),
    path("parents/complaints/<int:pk>/", complaints.complaint_detail, name="complaint-detail"),
    path("parents/complaints/photos/<int:pk>/", complaints.complaint_photo,
         name="complaint-photo"),
    path(C + "applications/", applications.centre_queue, name="centre-applications"),
    path(C + "applications/<int:pk>/", applications.centre_application,
         name="centre-application"),
    path(C + "linking-codes/", linking.linking_code_list, name="linking-code-list"),
    path(C + "children/<int:child_id>/guardians/<int:guardian_id>/linking-code/",
         linking.linking_code_issue, name="linking-code-issue"),
]
