"""Messages to learners."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation


def send_completion_email(enrollment):
    """Congratulate the official on completing a course. Returns False when there is no address."""
    user = enrollment.official.user
    if not user.email:
        return False
    context = {"enrollment": enrollment, "official": enrollment.official, "site_url": settings.WAGTAILADMIN_BASE_URL}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("learning/email/completed_subject.txt", context).strip()
        body = render_to_string("learning/email/completed_body.txt", context)
    send_mail(subject, body, None, [user.email])
    return True
