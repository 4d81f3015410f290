"""Bulk import of centres from Excel, for regulators (not assessors): the template, the upload,
and the job's progress and report. The work itself is in registry.imports, run by a task."""

from __future__ import annotations

import io
from functools import wraps

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from luhuituo.core.permissions import get_visible_or_404, regulator_required

from .. import imports
from ..models import ImportJob


def importer_required(view):
    """A regulator with a regulator's (not only an assessor's) scope; 403 otherwise."""

    @regulator_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not imports.can_import(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        help_text=_("The template filled in, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + imports.XLSX_CONTENT_TYPE}),
    )
    mode = forms.ChoiceField(label=_("What to do"), choices=ImportJob.Mode.choices,
                             initial=ImportJob.Mode.VALIDATE, widget=forms.RadioSelect)

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        imports.check_workbook_upload(uploaded)
        return uploaded


@require_GET
@importer_required
def import_template(request: HttpRequest) -> HttpResponse:
    return FileResponse(io.BytesIO(imports.template_workbook()), as_attachment=True,
                        filename="托育机构导入模板.xlsx",
                        content_type=imports.XLSX_CONTENT_TYPE)


@require_http_methods(["GET", "POST"])
@importer_required
def import_start(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if form.is_bound and form.is_valid():
        job = imports.start_import(by=request.user, uploaded=form.cleaned_data["file"],
                                   mode=form.cleaned_data["mode"],
                                   language=request.LANGUAGE_CODE)
        return redirect(job)
    context = {"form": form, "jobs": ImportJob.objects.visible_to(request.user)[:10]}
    return render(request, "registry/regulator/import_start.html", context,
                  status=422 if form.errors else 200)


@require_GET
@importer_required
@vary_on_headers("HX-Request")
def import_status(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_visible_or_404(ImportJob.objects.select_related("task"), request.user, pk=pk)
    template = "registry/regulator/import_status.html"
    if request.htmx:
        template += "#progress"
    return render(request, template, {"job": job})
