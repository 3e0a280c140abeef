from datetime import timedelta

from django.core.management.base import BaseCommand

from core.tasks import jobs_reap


class Command(BaseCommand):
    help = (
        "Retry the jobs left 'running' by a worker that was killed: running longer than "
        "--timeout seconds (JOBS_RUNNING_TIMEOUT_SECONDS). Run it every few minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=int, default=None, help="seconds")

    def handle(self, *, timeout: int | None, **options):
        reaped = jobs_reap(timeout=timedelta(seconds=timeout) if timeout else None)
        self.stdout.write(f"{reaped} stuck job(s) returned to the queue.")
