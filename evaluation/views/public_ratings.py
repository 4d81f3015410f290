"""Being written (issue 11): every view here answers 404 until it is."""

from django.http import Http404


def centre_certificate(request, *args, **kwargs):
    raise Http404


def regulator_certificate(request, *args, **kwargs):
    raise Http404


def public_rating(request, *args, **kwargs):
    raise Http404


def verify(request, *args, **kwargs):
    raise Http404
