"""Thin Celery wrappers around the report maintenance."""

from celery import shared_task

from . import maintenance


@shared_task
def compact_due_tallies():
    """Nightly: fold the past due dates of the overdue tally together (see ``compact_due_dates``)."""
    maintenance.compact_due_dates()
