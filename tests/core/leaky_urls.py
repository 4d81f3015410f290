"""Deliberately leaky views, used only to prove that the role-matrix helper catches leaks."""

from django.http import HttpResponse
from django.urls import include, path

from luhuituo.core.permissions import get_visible_or_404, regulator_required
from registry.models import Centre


@regulator_required
def leaky_list(request):
    # The bug under test: all centres, not Centre.objects.visible_to(request.user).
    return HttpResponse(", ".join(c.name for c in Centre.objects.all()))


@regulator_required
def scoped_list(request):
    return HttpResponse(", ".join(c.name for c in Centre.objects.visible_to(request.user)))


@regulator_required
def leaky_detail(request, pk):
    # The bug under test: a plain get() instead of the visible_to() lookup.
    return HttpResponse(Centre.objects.get(pk=pk).name)


@regulator_required
def scoped_detail(request, pk):
    return HttpResponse(get_visible_or_404(Centre, request.user, pk=pk).name)


urlpatterns = [
    path("leaky/", leaky_list),
    path("scoped/", scoped_list),
    path("leaky/<int:pk>/", leaky_detail),
    path("scoped/<int:pk>/", scoped_detail),
    path("", include("luhuituo.urls")),
]
