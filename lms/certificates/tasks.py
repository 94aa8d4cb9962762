"""Thin Celery wrappers around certificate services.

``issue_certificate(enrollment_id)``
    Issues the enrolment's certificate (idempotent: ``services.issue_for_enrollment``). Enqueued on
    commit by the ``enrollment_completed`` receiver; retried with backoff on database and storage
    errors. Run eagerly (the embedded default, inside the learner's request), a failure is logged
    instead of raised: the completion is already committed, and the sweeper issues it later.
``issue_missing_certificates()``
    Sweeper (Celery beat, every 10 minutes): enqueues ``issue_certificate`` for completed
    enrolments that have no current certificate of their current cycle, completed more than
    ``CERTIFICATE_SWEEP_GRACE`` ago, ``CERTIFICATE_SWEEP_BATCH`` at a time, oldest first.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError
from django.db.models import Exists, OuterRef
from django.utils import timezone

from lms.learning.models import Enrollment

from . import services
from .models import Certificate

logger = logging.getLogger(__name__)

RETRY_ON = (DatabaseError, OSError)


@shared_task(bind=True, autoretry_for=RETRY_ON, retry_backoff=True, retry_backoff_max=600, max_retries=8)
def issue_certificate(self, enrollment_id):
    """Issue the certificate of a completed enrolment; returns its id (None if it was not issued)."""
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


def missing_certificates(now=None):
    """Completed enrolments without a current certificate, past the grace period, oldest first."""
    cutoff = (now or timezone.now()) - settings.CERTIFICATE_SWEEP_GRACE
    has_current = Exists(
        Certificate.objects.filter(enrollment=OuterRef("pk"), cycle=OuterRef("cycle"), is_current=True)
    )
    return Enrollment.objects.filter(completed_at__lt=cutoff).exclude(has_current).order_by("completed_at", "pk")


@shared_task
def issue_missing_certificates():
    """Sweeper: enqueue the certificates whose task was lost (broker down, worker killed…)."""
    pending = list(missing_certificates().values_list("pk", flat=True)[: settings.CERTIFICATE_SWEEP_BATCH])
    for enrollment_id in pending:
        issue_certificate.delay(enrollment_id)
    return len(pending)
