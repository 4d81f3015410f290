"""The project's URLs plus one that no test covers, to prove the URL-coverage check fails."""

from django.http import HttpResponse
from django.urls import include, path

urlpatterns = [
    path("", include("luhuituo.urls")),
    path("forgotten/", lambda request: HttpResponse("?"), name="forgotten-page"),
]
