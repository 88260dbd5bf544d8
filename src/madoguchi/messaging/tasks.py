from __future__ import annotations

from django_tasks import task

from madoguchi.messaging.services import job_run


@task()
def run_delivery_job(job_id: int) -> str:
    return job_run(job_id).status
