"""Thin Celery tasks of the registry: load by id, call the domain function."""

from celery import shared_task

from .imports import run_import_job
from .models import ImportJob


@shared_task
def run_import(*, job_id: int) -> None:
    run_import_job(ImportJob.objects.select_related("created_by").get(pk=job_id))
