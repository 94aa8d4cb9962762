"""Thin Celery wrappers around what the apps share."""

from celery import shared_task


@shared_task
def sweep_stalled_jobs():
    """Beat (every minute): requeue or fail background jobs whose worker stopped (``jobs.sweep``)."""
    from . import jobs

    return jobs.sweep()
