"""Thin Celery wrappers around certificate services.

``issue_certificate(enrollment_id)``
    Issues the enrolment's certificate (idempotent: ``services.issue_for_enrollment``). Enqueued on
    commit by the ``enrollment_completed`` receiver; retried with backoff on database and storage
    errors. Run eagerly (the embedded default, inside the learner's request), a failure is logged
    instead of raised: the completion is already committed, and the sweeper issues it later.
``send_certificate_issued_email(certificate_id)``
    Sends the holder the new certificate (``notifications.notify_issued``: once per revision);
    enqueued by the services when a revision is saved. ``send_pending_certificate_emails``
    (beat, every 15 minutes) catches the ones whose task was lost, for certificates issued in the
    last two days.
Expiry reminders are not a task of their own: they are a source of the notification ledger
(``notifications.collect_expiry_reminders``, registered in ``apps.py``), run each morning by
``lms.notifications.tasks.run_reminders`` and e-mailed in the holder's daily e-mail.
``issue_missing_certificates()``
    Sweeper (Celery beat, every 10 minutes): enqueues ``issue_certificate`` for completed
    enrolments that have no current certificate of their current cycle, completed more than
    ``CERTIFICATE_SWEEP_GRACE`` ago, ``CERTIFICATE_SWEEP_BATCH`` at a time, oldest first.
"""

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

logger = logging.getLogger(__name__)

RETRY_ON = (DatabaseError, OSError)
MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)


@shared_task(bind=True, autoretry_for=RETRY_ON, retry_backoff=True, retry_backoff_max=600, max_retries=8)
def issue_certificate(self, enrollment_id):
    """Issue the certificate of a completed enrolment; returns its id (None if it was not issued)."""
    from lms.learning.models import Enrollment

    from . import services

    try:
        certificate = services.issue_for_enrollment(enrollment_id)
    except Enrollment.DoesNotExist:
        logger.warning("No certificate for enrolment %s: it does not exist", enrollment_id)
        return None
    except services.CertificateError as error:
        logger.warning("No certificate for enrolment %s: %s", enrollment_id, error)
        return None
    except Exception:
        if not self.request.is_eager:
            raise
        logger.exception("Could not issue the certificate of enrolment %s; the sweeper will retry", enrollment_id)
        return None
    return certificate.pk


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=True, max_retries=8)
def send_certificate_issued_email(certificate_id):
    from . import notifications

    return notifications.notify_issued(certificate_id)


@shared_task
def send_pending_certificate_emails():
    """Sweeper: the "certificate issued" e-mails whose task was lost (e.g. the broker was down)."""
    from . import selectors

    pending = list(selectors.unnotified_certificates().values_list("pk", flat=True)[:1000])
    for certificate_id in pending:
        send_certificate_issued_email.delay(certificate_id)
    return len(pending)


@shared_task
def issue_missing_certificates():
    """Sweeper: enqueue the certificates whose task was lost (broker down, worker killed…)."""
    from . import selectors

    pending = list(selectors.missing_certificates().values_list("pk", flat=True)[: settings.CERTIFICATE_SWEEP_BATCH])
    for enrollment_id in pending:
        issue_certificate.delay(enrollment_id)
    return len(pending)


@shared_task(bind=True, max_retries=3)
def build_certificate_archive(self, archive_id):
    """Build an HR user's ZIP of a unit's certificates (``archive.build``: claimed, beating,
    retried on database and storage errors, then marked failed for the requester to see)."""
    from . import archive

    return archive.build(archive_id, self)


@shared_task
def prune_certificate_archives():
    """Beat (hourly): delete archives older than ``archive.ARCHIVE_KEEP``."""
    from . import archive

    return archive.prune()
