"""factory_boy factories by layer: ``core`` (regions, users), ``registry`` (centres, filings,
classes, staff, fees), ``supervision`` (children with consent, class days, inspections,
orders, complaints, alerts). The most used ones are importable from here."""

from .core import (
    PASSWORD,
    CentreUserFactory,
    RegulatorFactory,
    UserFactory,
    id_number,
    region,
)
from .registry import (
    CentreFactory,
    ClassGroupFactory,
    FeeScheduleFactory,
    MembershipFactory,
    StaffFactory,
    StaffTrainingRecordFactory,
    filing_for,
)

__all__ = [
    "PASSWORD", "CentreFactory", "CentreUserFactory", "ClassGroupFactory", "FeeScheduleFactory",
    "MembershipFactory", "RegulatorFactory", "StaffFactory", "StaffTrainingRecordFactory",
    "UserFactory", "filing_for", "id_number", "region",
]
