"""E-mails to a certificate's holder: "your certificate is ready" and "it expires soon".

Each is sent at most once per certificate revision: the row is locked, its marker
(``holder_notified_at`` / ``expiry_reminded_at``) checked, the message sent and the marker set
in one transaction, so a retry after a failed send tries again and a duplicate task finds the
marker set. An official without an e-mail address is marked too (there is nobody to write to).
"""

from django.urls import reverse
from django.utils import timezone

from lms.core.mail import absolute_url, send_once, templated_email

from .models import Certificate
from .rendering import verify_url
from .signals import certificate_expiring


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


def remind_expiry(certificate_id, today=None):
    """Remind the holder, once, that the certificate expires soon; announce ``certificate_expiring``."""
    today = today or timezone.localdate()

    def send(certificate):
        days_left = (certificate.expires_on - today).days
        message = _message(certificate, "expiring", {"days_left": days_left})
        if message is not None:
            message.send()
        certificate_expiring.send(sender=Certificate, certificate=certificate, days_left=days_left)
        return message is not None

    return _send_once(certificate_id, "expiry_reminded_at", send, expires_on__gte=today)
