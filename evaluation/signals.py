"""Hooks that record a credit event at once where it is cheap (the daily scan would find it too,
``evaluation.services.credit.scan``): a complaint saved as upheld, an inspection saved with its
findings issued. They run after the commit, so a rolled-back change records nothing, and never
make the supervision step fail: the scan catches up whatever a hook missed."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_save
from django.dispatch import receiver

from supervision.models import Complaint, Finding, Inspection

from .services import credit

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
