"""Being written (issue 11): every view here answers 404 until it is."""

from django.http import Http404


def centre_quality(request, *args, **kwargs):
    raise Http404


def self_assessment_start(request, *args, **kwargs):
    raise Http404


def centre_assessment(request, *args, **kwargs):
    raise Http404


def centre_score_save(request, *args, **kwargs):
    raise Http404


def centre_assessment_submit(request, *args, **kwargs):
    raise Http404


def centre_assessment_cancel(request, *args, **kwargs):
    raise Http404


def assessor_list(request, *args, **kwargs):
    raise Http404


def assessor_assessment(request, *args, **kwargs):
    raise Http404


def assessor_score_save(request, *args, **kwargs):
    raise Http404


def assessor_submit(request, *args, **kwargs):
    raise Http404


def score_photo(request, *args, **kwargs):
    raise Http404


def assessment_list(request, *args, **kwargs):
    raise Http404


def assessment_export(request, *args, **kwargs):
    raise Http404


def assessment_assign(request, *args, **kwargs):
    raise Http404


def assessment_detail(request, *args, **kwargs):
    raise Http404


def assessment_decide(request, *args, **kwargs):
    raise Http404
