"""The annual report (年度报告, 管理规范 Art 38; alert A32): the manager submits one report per
year; a second submission for the same year is refused, and the report changes only through an
explicit correction with a reason (the earlier text stays in the change history)."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from luhuituo.core.audit import audit
from luhuituo.core.exceptions import DomainError
from luhuituo.core.models import User
from luhuituo.core.uploads import check_upload
from luhuituo.core.verbs import Verb
from luhuituo.core.workflow import lock
from registry.models import Centre
from registry.rules import require_centre_manager

from ..models import AnnualReport

FIELDS = ("children_served", "staff_count", "summary")


def _checked(uploaded):
    """The upload judged by its content, or None; a bad file is refused beside its field."""
    if uploaded is None:
        return None
    try:
        return check_upload(uploaded)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="file") from None


def _attach(report: AnnualReport, uploaded, checked) -> None:
    if checked is not None:
        report.original_name = uploaded.name[:200]
        report.content_type = checked.content_type
        report.file.save(uploaded.name, checked.file, save=False)


@transaction.atomic
def submit_annual_report(*, centre: Centre, by: User, year: int, data: Mapping,
                         uploaded=None, request=None) -> AnnualReport:
    """The report on ``year``. Refused (DomainError on ``year``) for a year not yet begun and
    when the year's report is already in; nothing is saved then."""
    require_centre_manager(by, centre)
    if year > timezone.localdate().year:
        raise DomainError(_("A report can only be submitted for a year that has begun."),
                          field="year")
    checked = _checked(uploaded)
    lock(centre)
    existing = (AnnualReport.objects.filter(centre=centre, year=year)
                .select_related("submitted_by").first())
    if existing is not None:
        raise DomainError(_(
            "The report on %(year)d was already submitted on %(date)s by %(name)s. To change "
            "it, send a correction.") % {
            "year": year, "date": date_format(timezone.localdate(existing.submitted_at)),
            "name": existing.submitted_by.get_full_name()}, field="year")
    report = AnnualReport(centre=centre, year=year, submitted_by=by,
                          **{name: data[name] for name in FIELDS})
    _attach(report, uploaded, checked)
    report.save()
    audit(Verb.ANNUAL_REPORT_SUBMITTED, actor=by, target=report, request=request, year=year)
    return report


@transaction.atomic
def correct_annual_report(*, report: AnnualReport, by: User, data: Mapping, reason: str,
                          uploaded=None, request=None) -> AnnualReport:
    """Replace the report's figures and text (and its file, if a new one is given), with the
    reason; the earlier version stays in the change history."""
    require_centre_manager(by, report.centre)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the report is corrected."), field="correction_reason")
    checked = _checked(uploaded)
    report = lock(report, "centre")
    changed = [name for name in FIELDS if getattr(report, name) != data[name]]
    for name in FIELDS:
        setattr(report, name, data[name])
    _attach(report, uploaded, checked)
    report.corrected_at = timezone.now()
    report.corrected_by = by
    report.correction_reason = reason
    report.save()
    audit(Verb.ANNUAL_REPORT_CORRECTED, actor=by, target=report, request=request,
          year=report.year, changed=changed + (["file"] if checked else []), reason=reason)
    return report
