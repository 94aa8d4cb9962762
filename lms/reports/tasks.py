"""Thin Celery wrappers around the report maintenance and the row-level exports."""

from celery import shared_task
from django.db import DatabaseError

from lms import jobs

from . import maintenance

RETRY_ON = (DatabaseError, OSError)


@shared_task
def compact_due_tallies():
    """Nightly: fold the past due dates of the overdue tally together (see ``compact_due_dates``)."""
    maintenance.compact_due_dates()


@shared_task(bind=True, max_retries=3)
def build_report_export(self, export_id):
    """Build an HR user's CSV/XLSX of the enrolments behind a number (``export_jobs.build``);
    retried on database and storage errors, then marked failed for the requester to see."""
    from . import export_jobs

    return jobs.run_task(self, export_jobs.build, export_jobs.mark_failed, export_id, RETRY_ON)


@shared_task
def prune_report_exports():
    """Beat (hourly): delete exports older than ``jobs.KEEP``; re-enqueue lost requests."""
    from . import export_jobs

    return export_jobs.prune()
