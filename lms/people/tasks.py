"""Thin Celery wrappers around the import workflow."""

from celery import shared_task

from .models import ImportBatch


@shared_task
def validate_import(batch_id):
    from .imports import service

    batch = ImportBatch.objects.select_related("created_by").filter(pk=batch_id).first()
    if batch and batch.status == ImportBatch.Status.VALIDATING:
        service.validate(batch)


@shared_task(acks_late=True)
def apply_import(batch_id):
    from .imports import service

    batch = ImportBatch.objects.select_related("created_by").filter(pk=batch_id).first()
    if batch and batch.status == ImportBatch.Status.APPLYING:
        service.apply(batch)


@shared_task(autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, max_retries=5)
def send_account_emails(batch_id):
    from . import accounts

    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch:
        return accounts.send_password_links(batch.report.get("created_user_ids", []))
    return 0
