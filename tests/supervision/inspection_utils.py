"""Helpers for the inspection, rectification and complaint tests: an inspection taken to a
given stage through the services, files for evidence, PDF text."""

from __future__ import annotations

import io

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfReader

from luhuituo.core.uploads import check_upload
from supervision.models import Alert, ChecklistTemplate, Inspection
from supervision.services import inspections as svc
from supervision.services import rectification as rsvc
from tests.factories import pdf_bytes, png_bytes

PDF = pdf_bytes("evidence")
PNG = png_bytes()


def fire_checklist() -> ChecklistTemplate:
    return ChecklistTemplate.objects.get(code="fire", version=1)


def plan(centre, by, *, kind=Inspection.Kind.ROUTINE, planned_on=None, checklists=None):
    return svc.plan_inspection(centre=centre, by=by, kind=kind,
                               planned_on=planned_on or timezone.localdate(),
                               checklists=checklists or [fire_checklist()])


def issued(centre, by, *, severities=("major",), kind=Inspection.Kind.ROUTINE):
    """An inspection with findings of ``severities``, issued to the centre."""
    inspection = plan(centre, by, kind=kind)
    svc.start_inspection(inspection=inspection, by=by)
    for n, severity in enumerate(severities):
        svc.add_finding(inspection=inspection, by=by, severity=severity,
                        description=f"问题{n + 1}：疏散通道堆放杂物")
    return svc.issue_findings(inspection=inspection, by=by, summary="检查完毕")


def ordered(centre, by, *, severities=("major",), requirements="立即清理疏散通道。",
            deadline=None):
    """A rectification order for an issued inspection's findings."""
    inspection = issued(centre, by, severities=severities)
    return rsvc.issue_rectification_order(
        inspection=inspection, by=by, findings=inspection.findings.all(),
        requirements=requirements, deadline=deadline)


def evidence(name="photo.png", content=PNG):
    uploaded = SimpleUploadedFile(name, content)
    return uploaded, check_upload(uploaded)


def alert(centre, severity, *, rule="A1", subject_id=None):
    return Alert.objects.create(
        rule=rule, severity=severity, initial_severity=severity, centre=centre,
        subject_type=ContentType.objects.get_for_model(centre),
        subject_id=subject_id or centre.pk, subject_repr=centre.name, message="test")


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
