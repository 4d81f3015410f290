"""Being written (issue 11): every view here answers 404 until it is."""

from django.http import Http404


def rating_list(request, *args, **kwargs):
    raise Http404


def rating_export(request, *args, **kwargs):
    raise Http404
