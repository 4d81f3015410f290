"""The Celery app: one broker (Redis in production, kombu's filesystem transport in embedded
mode), settings under the CELERY_ namespace, tasks discovered in every app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luhuituo.settings")

app = Celery("luhuituo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
