"""Thin Celery wrappers around the report maintenance and the row-level exports."""

from celery import shared_task


@shared_task
def compact_due_tallies():
    """Nightly: fold the past due dates of the overdue tally together (see ``compact_due_dates``)."""
    from . import maintenance

    maintenance.compact_due_dates()


@shared_task(bind=True, max_retries=3)
def build_report_export(self, export_id):
    """Build an HR user's CSV/XLSX of the enrolments behind a number (``export_jobs.build``:
    claimed, beating, retried on database and storage errors, then marked failed)."""
    from . import export_jobs

    return export_jobs.build(export_id, self)


@shared_task
def prune_report_exports():
    """Beat (hourly): delete exports older than ``jobs.KEEP``."""
    from . import export_jobs

    return export_jobs.prune()
