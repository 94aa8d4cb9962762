"""Thin Celery wrappers around the import workflow."""

from celery import shared_task


@shared_task(bind=True, max_retries=3)
def validate_import(self, batch_id):
    """The dry run of an uploaded file (``service.run_validation``)."""
    from .imports import service

    return service.run_validation(batch_id, self)


@shared_task(bind=True, max_retries=3)
def apply_import(self, batch_id):
    """The apply of a confirmed file, in one transaction (``service.run_apply``)."""
    from .imports import service

    return service.run_apply(batch_id, self)


@shared_task(autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, max_retries=5)
def send_account_emails(batch_id):
    from . import accounts

    return accounts.send_links_for_batch(batch_id)
