"""The parent portal's own records, one module per subject: ``articles`` (what regulators
publish for parents) and ``accounts`` (the one-time codes that link a parent account to a
guardian a centre recorded, the children parents add and their applications for a place) and
``complaints`` (the evidence photos of a complaint a parent files).
Django finds the models through this package; the rest of the code imports from
``parents.models``."""

from .accounts import (
    ApplicantChild,
    Application,
    LinkingCode,
)
from .articles import Article, clean_body
from .complaints import ComplaintPhoto

__all__ = ["ApplicantChild", "Application", "Article", "ComplaintPhoto", "LinkingCode",
           "clean_body"]
