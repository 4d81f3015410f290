"""Work a user starts while the broker is down is saved, shown as queued, and runs once the
broker is back (issue "Reliability": the import stayed "pending" for ever, with a 500)."""

import time

import pytest
from django.urls import reverse

from luhuituo.core.models import Job
from registry.models import ImportJob
from tests.registry.test_import import good_row, upload, workbook

from .conftest import celery_app_at, wait_for

pytestmark = [pytest.mark.faults,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def broker(redis_server, settings):
    """This process sends its tasks to the test's own Redis while the test lasts."""
    with celery_app_at(redis_server.url, settings):
        yield redis_server


def test_an_import_started_while_the_broker_is_down_runs_when_it_is_back(
        broker, processes, client_for, district_regulator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    broker.stop()
    client = client_for(district_regulator)
    started = time.monotonic()
    response = client.post(reverse("registry:import-start"), {
        "mode": ImportJob.Mode.ALL, "file": upload(workbook([good_row(1), good_row(2)]))})
    assert response.status_code == 302  # saved, not a 500
    assert time.monotonic() - started < 3
    job = ImportJob.objects.select_related("task").get()
    assert job.status == ImportJob.Status.PENDING
    assert job.task.status == Job.Status.QUEUED and job.task.sent_at is None
    page = client.get(response["Location"]).content.decode()
    assert "任务服务暂时没有响应" in page  # "queued: starts when the service is back"

    broker.start()
    processes.worker(MEDIA_ROOT=str(settings.MEDIA_ROOT))
    processes.beat(SWEEP_EVERY_SECONDS="2")
    wait_for(lambda: ImportJob.objects.get().status == ImportJob.Status.DONE, timeout=60,
             what=f"the import running{processes.all_logs()}")
    job.refresh_from_db()
    assert job.imported == 2
    assert Job.objects.get(pk=job.task_id).status == Job.Status.DONE
