"""Messages to a certificate's holder: "your certificate is ready" and "it expires soon".

``notify_issued(certificate_id)``
    The new certificate (any revision), e-mailed with its signed PDF, once per revision: the row is
    locked, its marker ``holder_notified_at`` checked, the message sent and the marker set in one
    transaction, so a retry after a failed send tries again and a duplicate task finds the marker
    set. An official without an e-mail address is marked too (there is nobody to write to).
``collect_expiry_reminders(day) -> int``
    The reminder source "certificate_expiry" of the notification ledger (``lms.notifications``):
    for every certificate of ``expiry.reminder_due(day)``, records the holder's notification
    (topic "certificate", trigger ``certificate_expiry``, the certificate's cycle, nominal day
    ``expires_on`` minus the reminder window), sets ``expiry_reminded_at`` and announces
    ``signals.certificate_expiring``, a batch at a time under row locks (two runs at once record
    and announce each certificate once). The ledger sends the e-mail, in the holder's daily one.
``describe_certificates(ids) -> {id: facts | None}``
    The facts of topic "certificate" for the ledger's sentences (course, expiry date, the link to
    *Chứng nhận của tôi*), in one query; None once a certificate is revoked or superseded.
"""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from lms.core.mail import absolute_url, send_once, templated_email
from lms.notifications import services as ledger
from lms.notifications.models import Trigger

from . import expiry
from .models import Certificate
from .rendering import verify_url
from .signals import certificate_expiring

TOPIC = "certificate"
SOURCE = "certificate_expiry"
BATCH = 500


def _send_once(certificate_id, marker, send, **filters):
    """Lock the certificate, send with ``send(certificate)`` unless ``marker`` is set; True if sent."""
    held = Certificate.objects.select_related("official__user").current().not_revoked().filter(**filters)
    return send_once(held, certificate_id, marker, send)


def _message(certificate, template, extra=None):
    user = certificate.official.user
    if not user.email:
        return None
    context = {
        "certificate": certificate,
        "my_certificates_url": absolute_url(reverse("my_certificates:list")),
        "verify_url": verify_url(certificate),
        **(extra or {}),
    }
    return templated_email(f"certificates/email/{template}", context, [user.email])


def _send_issued(certificate):
    message = _message(certificate, "issued")
    if message is None:
        return False
    with certificate.pdf.open("rb") as pdf:  # the signed PDF itself, for the personnel file
        message.attach(f"{certificate.serial}.pdf", pdf.read(), "application/pdf")
    message.send()
    return True


def notify_issued(certificate_id):
    """Send the holder their new certificate (any revision), once."""
    return _send_once(certificate_id, "holder_notified_at", _send_issued)


def collect_expiry_reminders(day: datetime.date) -> int:
    """Record the expiry reminders due on ``day`` in the ledger; how many were recorded."""
    recorded = 0
    while True:
        with transaction.atomic():
            due = list(expiry.reminder_due(day).select_related("official").select_for_update(of=("self",))[:BATCH])
            if not due:
                return recorded
            window = expiry.window()
            recorded += ledger.record_many(
                ledger.Key(
                    certificate.official.user_id,
                    TOPIC,
                    certificate.pk,
                    Trigger.CERTIFICATE_EXPIRY,
                    certificate.expires_on - window,
                    certificate.cycle,
                )
                for certificate in due
            )
            Certificate.objects.filter(pk__in=[certificate.pk for certificate in due]).update(
                expiry_reminded_at=timezone.now()
            )
            for certificate in due:
                days_left = (certificate.expires_on - day).days
                certificate_expiring.send(sender=Certificate, certificate=certificate, days_left=days_left)


def describe_certificates(ids: list[int]) -> dict[int, dict | None]:
    url = reverse("my_certificates:list")
    certificates = Certificate.objects.filter(pk__in=ids).only(
        "pk", "course_title", "expires_on", "is_current", "revoked_at"
    )
    return {
        certificate.pk: (
            {"course": certificate.course_title, "expires_on": certificate.expires_on, "url": url}
            if certificate.is_current and certificate.revoked_at is None and certificate.expires_on is not None
            else None
        )
        for certificate in certificates
    }
