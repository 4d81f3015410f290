"""Hooks that act at once where it is cheap (the daily scans would find it too):

- a credit event (``evaluation.services.credit.scan``): a complaint saved as upheld, an
  inspection saved with its findings issued;
- a downgrade review of the centre's star rating (``evaluation.services.ratings.scan_triggers``):
  an incident saved as serious.

They run after the commit, so a rolled-back change records nothing, and never make the
supervision step fail: the scans catch up whatever a hook missed."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_save
from django.dispatch import receiver

from supervision.models import Complaint, Finding, Incident, Inspection

from .services import credit, ratings

logger = logging.getLogger(__name__)

ISSUED = {Inspection.Status.FINDINGS_ISSUED, Inspection.Status.RECTIFICATION_ORDERED}


def _later(model, only: Q, centre_id: int) -> None:
    def run():
        try:
            credit.scan_on_the_spot(model, only, centre_id)
        except Exception:  # the nightly scan catches up
            logger.exception("credit event hook failed for %s", model.__name__)

    transaction.on_commit(run)


@receiver(post_save, sender=Complaint, dispatch_uid="credit-complaint-upheld")
def complaint_saved(sender, instance: Complaint, **kwargs) -> None:
    if instance.upheld:
        _later(Complaint, Q(pk=instance.pk), instance.centre_id)


@receiver(post_save, sender=Inspection, dispatch_uid="credit-findings-issued")
def inspection_saved(sender, instance: Inspection, **kwargs) -> None:
    if instance.status in ISSUED:
        _later(Finding, Q(inspection=instance.pk), instance.centre_id)


@receiver(post_save, sender=Incident, dispatch_uid="rating-review-serious-incident")
def incident_saved(sender, instance: Incident, **kwargs) -> None:
    """A serious incident at a rated centre opens a downgrade review of its rating (once per
    incident; not for an incident before the rating's start)."""
    if instance.severity != Incident.Severity.SERIOUS:
        return
    centre_id = instance.centre_id

    def run():
        try:
            ratings.scan_triggers(centre_ids=[centre_id])
        except Exception:  # the daily scan catches up
            logger.exception("downgrade review hook failed for incident %s", instance.pk)

    transaction.on_commit(run)
