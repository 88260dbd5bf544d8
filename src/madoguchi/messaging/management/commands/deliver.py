"""Run delivery jobs in the foreground: one by id, or every unfinished one (--resume)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from madoguchi.messaging.services import job_progress, job_run, jobs_resume


class Command(BaseCommand):
    help = "deliver JOB_ID [--threads N] | deliver --resume"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("job_id", nargs="?", type=int)
        parser.add_argument("--resume", action="store_true", help="run every job a stopped worker left unfinished")
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, job_id: int | None, resume: bool, threads: int, **options: Any) -> None:
        ids = jobs_resume() if resume else [job_id] if job_id else []
        for pk in ids:
            job = job_run(pk, threads=threads)
            progress = job_progress(job)
            self.stdout.write(
                f"job {pk}: {job.status} sent={progress.sent} blocked={progress.blocked} failed={progress.failed}"
            )
