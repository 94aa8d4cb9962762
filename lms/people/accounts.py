"""E-mails that let new officials set their own password."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import get_connection
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from lms.core.mail import absolute_url, templated_email


def password_link(user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(user)])
    return absolute_url(path)


def send_password_links(user_ids, chunk=500):
    """Send each new account its "set your password" link over one connection per chunk."""
    sent = 0
    User = get_user_model()
    with translation.override(settings.LANGUAGE_CODE):
        for start in range(0, len(user_ids), chunk):
            users = User.objects.filter(pk__in=user_ids[start : start + chunk]).select_related("official")
            messages = []
            for user in users:
                if not user.email or user.has_usable_password():
                    continue  # already set a password (e.g. a retried task)
                context = {"user": user, "official": getattr(user, "official", None), "link": password_link(user)}
                messages.append(templated_email("people/email/account_created", context, [user.email]))
            if messages:
                sent += get_connection().send_messages(messages) or 0
    return sent


def send_links_for_batch(batch_id: int) -> int:
    """The links of the accounts an applied import created (nothing for an unknown batch)."""
    from .models import ImportBatch

    batch = ImportBatch.objects.filter(pk=batch_id).only("report").first()
    return send_password_links(batch.report.get("created_user_ids", [])) if batch else 0
