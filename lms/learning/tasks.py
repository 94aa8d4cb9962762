"""Thin Celery wrappers around learning services."""

import datetime
import smtplib

from celery import shared_task
from django.utils import timezone

from . import notifications
from .models import Enrollment

NOTIFY_GRACE = datetime.timedelta(minutes=10)


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=8,
)
def send_completion_email(enrollment_id):
    """Send the completion e-mail once: enrolments already notified are skipped."""
    enrollment = (
        Enrollment.objects.select_related("official__user")
        .filter(pk=enrollment_id, completed_at__isnull=False, completion_notified_at__isnull=True)
        .first()
    )
    if enrollment is None:
        return False
    notifications.send_completion_email(enrollment)
    Enrollment.objects.filter(pk=enrollment_id).update(completion_notified_at=timezone.now())
    return True


@shared_task
def send_pending_completion_emails():
    """Sweeper: catch completions whose e-mail task was lost (e.g. the broker was down)."""
    cutoff = timezone.now() - NOTIFY_GRACE
    pending = Enrollment.objects.filter(completed_at__lt=cutoff, completion_notified_at__isnull=True).values_list(
        "pk", flat=True
    )[:1000]
    for enrollment_id in pending:
        send_completion_email.delay(enrollment_id)
    return len(pending)


@shared_task
def close_expired_attempts():
    """Sweeper: grade quiz attempts whose time ran out with nobody there to hand them in."""
    from .assessment import close_expired_attempts as close

    return close()
