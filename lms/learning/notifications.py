"""Messages to learners: the congratulation on completing a course.

``notify_completed(enrollment_id) -> bool``
    Sends it at most once per completion, under the same discipline as the certificate e-mails
    (``lms.certificates.notifications``): the enrolment row is locked, its marker
    ``completion_notified_at`` checked, the message sent and the marker set in one transaction.
    Two deliveries of the task at once send one e-mail (the second waits for the lock, then finds
    the marker set); a failed send (an SMTP error) rolls the marker back, so the task's retry sends
    it. An official without an e-mail address is marked too (there is nobody to write to).
    A new cycle (recertification) clears the marker: its completion is congratulated again.
``completions_to_notify(now=None, limit=1000) -> list[int]``
    The completed enrolments whose congratulation was never sent, completed longer than
    ``NOTIFY_GRACE`` ago (their task may still be on its way): what the sweeper enqueues.
``send_completion_email(enrollment) -> bool``
    Renders and sends the message (no marker); False when the official has no address.
"""

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .models import Enrollment

NOTIFY_GRACE = datetime.timedelta(minutes=10)


def send_completion_email(enrollment: Enrollment) -> bool:
    """Congratulate the official on completing a course. Returns False when there is no address."""
    user = enrollment.official.user
    if not user.email:
        return False
    context = {
        "enrollment": enrollment,
        "official": enrollment.official,
        "site_url": settings.WAGTAILADMIN_BASE_URL,
        "my_learning_url": settings.WAGTAILADMIN_BASE_URL + reverse("learning:my_learning"),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("learning/email/completed_subject.txt", context).strip()
        body = render_to_string("learning/email/completed_body.txt", context)
    send_mail(subject, body, None, [user.email])
    return True


def notify_completed(enrollment_id: int) -> bool:
    """Send the completion e-mail of a completed enrolment once; True if a message was sent."""
    with transaction.atomic():
        enrollment = (
            Enrollment.objects.select_for_update(of=("self",))
            .select_related("official__user")
            .filter(pk=enrollment_id, completed_at__isnull=False, completion_notified_at__isnull=True)
            .first()
        )
        if enrollment is None:  # not complete, already congratulated, or gone
            return False
        sent = send_completion_email(enrollment)  # raises on an SMTP error: the marker stays unset
        enrollment.completion_notified_at = timezone.now()
        enrollment.save(update_fields=["completion_notified_at"])
    return sent


def completions_to_notify(now: datetime.datetime | None = None, limit: int = 1000) -> list[int]:
    """Ids of completed enrolments never congratulated, completed more than NOTIFY_GRACE ago."""
    cutoff = (now or timezone.now()) - NOTIFY_GRACE
    return list(
        Enrollment.objects.filter(completed_at__lt=cutoff, completion_notified_at__isnull=True).values_list(
            "pk", flat=True
        )[:limit]
    )
