"""factory_boy factories by layer: ``core`` (regions, users), ``registry`` (centres, filings,
classes, staff, fees), ``supervision`` (children with consent, class days, inspections,
orders, complaints, alerts); ``files``: real minimal PDFs and images for uploads. The most used
ones are importable from here."""

from .core import (
    PASSWORD,
    CentreUserFactory,
    RegulatorFactory,
    UserFactory,
    id_number,
    region,
)
from .files import image_bytes, jpeg_bytes, pdf_bytes, png_bytes
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
    "UserFactory", "filing_for", "id_number", "image_bytes", "jpeg_bytes", "pdf_bytes",
    "png_bytes", "region",
]
