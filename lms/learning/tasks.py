"""Thin Celery wrappers around learning services."""

import smtplib

from celery import shared_task


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=8,
)
def send_completion_email(enrollment_id):
    """Send the completion e-mail once (``notifications.notify_completed``)."""
    from .notifications import notify_completed

    return notify_completed(enrollment_id)


@shared_task
def send_pending_completion_emails():
    """Sweeper: catch completions whose e-mail task was lost (e.g. the broker was down)."""
    from .notifications import completions_to_notify

    pending = completions_to_notify()
    for enrollment_id in pending:
        send_completion_email.delay(enrollment_id)
    return len(pending)


@shared_task
def close_expired_attempts():
    """Sweeper: grade quiz attempts whose time ran out with nobody there to hand them in."""
    from .assessment import close_expired_attempts as close

    return close()
