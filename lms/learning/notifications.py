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

from django.urls import reverse
from django.utils import timezone

from lms.core.mail import absolute_url, send_once, templated_email

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
        "my_learning_url": absolute_url(reverse("learning:my_learning")),
    }
    templated_email("learning/email/completed", context, [user.email]).send()
    return True


def notify_completed(enrollment_id: int) -> bool:
    """Send the completion e-mail of a completed enrolment once; True if a message was sent."""
    completed = Enrollment.objects.select_related("official__user").completed()
    # An SMTP error raises inside the lock: the marker stays unset for the retry.
    return send_once(completed, enrollment_id, "completion_notified_at", send_completion_email)


def completions_to_notify(now: datetime.datetime | None = None, limit: int = 1000) -> list[int]:
    """Ids of completed enrolments never congratulated, completed more than NOTIFY_GRACE ago."""
    cutoff = (now or timezone.now()) - NOTIFY_GRACE
    return list(
        Enrollment.objects.filter(completed_at__lt=cutoff, completion_notified_at__isnull=True).values_list(
            "pk", flat=True
        )[:limit]
    )
