"""When a certificate is about to expire, and what its holder can do about it.

``reminder_due(today=None)``
    Current, unrevoked certificates that expire within ``CERTIFICATE_EXPIRY_REMINDER_DAYS`` of
    ``today`` (and have not expired yet) whose holder was not reminded yet: what the ledger's
    source "certificate_expiry" (``notifications.collect_expiry_reminders``) records each morning.
``is_expiring(certificate, today=None)``
    The certificate expires within the reminder window (or has expired).
``can_recertify(certificate, today=None)``
    Its holder may retake the course now: the certificate is the current one of the enrolment's
    current cycle, not revoked, and expiring or expired.
``start_recertification(certificate)``
    Reopens the enrolment as a new cycle (``learning.services.start_new_cycle``). The certificate
    stays valid until it expires; completing the course again issues a new one and supersedes it.
"""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.learning import services as learning_services

from .models import Certificate
from .services import CertificateError


def window():
    return datetime.timedelta(days=settings.CERTIFICATE_EXPIRY_REMINDER_DAYS)


def reminder_due(today=None):
    today = today or timezone.localdate()
    return (
        Certificate.objects.current()
        .not_revoked()
        .filter(expiry_reminded_at__isnull=True, expires_on__gte=today, expires_on__lte=today + window())
        .order_by("expires_on", "pk")
    )


def is_expiring(certificate, today=None):
    today = today or timezone.localdate()
    return certificate.expires_on is not None and certificate.expires_on <= today + window()


def can_recertify(certificate, today=None):
    return (
        certificate.is_current
        and certificate.revoked_at is None
        and certificate.cycle == certificate.enrollment.cycle
        and certificate.enrollment.is_complete
        and is_expiring(certificate, today)
    )


def start_recertification(certificate, today=None):
    """Reopen the course for the holder; returns the enrolment. Raises ``CertificateError``."""
    enrollment = certificate.enrollment
    if certificate.is_current and enrollment.cycle > certificate.cycle:
        return enrollment  # already reopened (a second click): nothing more to do
    if not can_recertify(certificate, today):
        raise CertificateError(_("This certificate cannot be renewed yet: it is not close to its expiry date."))
    return learning_services.start_new_cycle(certificate.enrollment)
