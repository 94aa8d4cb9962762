"""What the certificate sweepers look for (reads only; the services write)."""

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from lms.learning.models import Enrollment

from .models import Certificate

NOTIFY_GRACE = datetime.timedelta(minutes=10)
NOTIFY_LOOKBACK = datetime.timedelta(days=2)


def missing_certificates(now: datetime.datetime | None = None) -> QuerySet[Enrollment]:
    """Completed enrolments without a current certificate of their current cycle, completed longer
    than ``CERTIFICATE_SWEEP_GRACE`` ago (their task may still be on its way), oldest first."""
    cutoff = (now or timezone.now()) - settings.CERTIFICATE_SWEEP_GRACE
    has_current = Exists(Certificate.objects.current().filter(enrollment=OuterRef("pk"), cycle=OuterRef("cycle")))
    return Enrollment.objects.filter(completed_at__lt=cutoff).exclude(has_current).order_by("completed_at", "pk")


def unnotified_certificates(now: datetime.datetime | None = None) -> QuerySet[Certificate]:
    """Current certificates whose holder was never sent them, issued between ``NOTIFY_LOOKBACK``
    and ``NOTIFY_GRACE`` ago."""
    now = now or timezone.now()
    return (
        Certificate.objects.current()
        .not_revoked()
        .filter(holder_notified_at__isnull=True, created_at__lt=now - NOTIFY_GRACE, created_at__gte=now - NOTIFY_LOOKBACK)
    )
