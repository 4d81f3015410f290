from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from luhuituo.core.permissions import parent_required


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The public front page: what the platform is and who it serves."""
    return render(request, "parents/index.html")


@parent_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "parents/home.html")
