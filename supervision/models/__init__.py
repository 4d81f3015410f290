"""Supervision (运营中全程监管): children and their guardians, daily records, safety records,
inspections with rectification orders, complaints, and the alerts raised by the scheduled
checks (docs/rules/operating-rules.md, docs/rules/data-protection.md, docs/rules/alert-rules.md,
docs/rules/filing.md#supporting-workflows).

Children's data is sensitive (PIPL Art 28/31): a child exists only after a guardian's consent
is recorded (``supervision.services.children.enrol_child``), ID numbers are encrypted with a
blind index, every read of a child's record goes to the access log, and every model holding
child, health or incident data is tracked by pghistory.

The models live in one module per area (``children``, ``daily``, ``safety``, ``inspections``,
``rectification``, ``complaints``, ``reports``, ``alerts``, ``draws``; ``base`` holds what they
share). This package re-exports every one of them: Django finds the app's models through it, and
``from supervision.models import Child`` is the way to import them. The pghistory event models
(``ChildEvent`` …) are generated into this package too.
"""

# The area modules are imported in the order the models were declared before the split (children
# → alerts), so the app registry lists them in the same order as before.
# isort: off
from .base import FILED_STATUSES, CentreRecordQuerySet
from .children import (
    Child,
    ChildQuerySet,
    ChildrenReport,
    Enrolment,
    Guardian,
    GuardianConsent,
    GuardianQuerySet,
    HealthCheck,
    VaccinationCheck,
    age_in_months,
    age_outside_class,
)
from .daily import Attendance, ClassDay, ClassDayQuerySet, DutyAssignment, SymptomGroup
from .safety import Drill, Hazard, Incident, SafetyCheck
from .inspections import (
    ChecklistCategory,
    ChecklistItem,
    ChecklistTemplate,
    Finding,
    Inspection,
    InspectionAnswer,
)
from .rectification import (
    RectificationEvidence,
    RectificationOrder,
    RectificationOrderQuerySet,
)
from .complaints import Complaint
from .reports import AnnualReport, annual_report_due, latest_overdue_year
from .alerts import SEVERITY_RANK, Alert, AlertQuerySet, Severity
from .draws import InspectorConflict, RandomDraw, RandomDrawPick
# isort: on

__all__ = [
    "FILED_STATUSES",
    "SEVERITY_RANK",
    "Alert",
    "AlertQuerySet",
    "AnnualReport",
    "Attendance",
    "CentreRecordQuerySet",
    "ChecklistCategory",
    "ChecklistItem",
    "ChecklistTemplate",
    "Child",
    "ChildQuerySet",
    "ChildrenReport",
    "ClassDay",
    "ClassDayQuerySet",
    "Complaint",
    "Drill",
    "DutyAssignment",
    "Enrolment",
    "Finding",
    "Guardian",
    "GuardianConsent",
    "GuardianQuerySet",
    "Hazard",
    "HealthCheck",
    "Incident",
    "Inspection",
    "InspectionAnswer",
    "InspectorConflict",
    "RandomDraw",
    "RandomDrawPick",
    "RectificationEvidence",
    "RectificationOrder",
    "RectificationOrderQuerySet",
    "SafetyCheck",
    "Severity",
    "SymptomGroup",
    "VaccinationCheck",
    "age_in_months",
    "age_outside_class",
    "annual_report_due",
    "latest_overdue_year",
]
