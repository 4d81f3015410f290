from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from luhuituo.core.permissions import centre_account_required

from .models import CentreMembership


@centre_account_required
def centre_home(request: HttpRequest) -> HttpResponse:
    """Centre home: the centres this account works for, and its role at each."""
    memberships = (
        CentreMembership.objects.active()
        .filter(user=request.user)
        .select_related("centre", "centre__region")
    )
    return render(request, "registry/centre_home.html", {"memberships": memberships})
