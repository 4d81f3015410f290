"""Being written (issue 11): every view here answers 404 until it is."""

from django.http import Http404


def review_list(request, *args, **kwargs):
    raise Http404


def review_decide(request, *args, **kwargs):
    raise Http404
