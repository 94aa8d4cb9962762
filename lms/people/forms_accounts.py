"""Forms of the account pages."""

import unicodedata
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import gettext_lazy as _


def _same_email(a, b):
    return unicodedata.normalize("NFKC", a).casefold() == unicodedata.normalize("NFKC", b).casefold()


class OfficialPasswordResetForm(PasswordResetForm):
    """Django's reset form, which also reaches officials who have not chosen a password yet.

    Imported officials start without a usable password and get a one-time link by e-mail; once that
    link has expired, "Forgot password?" is how they get another. Django's own form skips them.
    """

    email = forms.EmailField(
        label=_("E-mail"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )

    def save(self, **kwargs):
        # The link goes to the configured public address, never to the Host the request came with.
        public = urlsplit(settings.WAGTAILADMIN_BASE_URL)
        kwargs.update(domain_override=public.netloc, use_https=public.scheme == "https")
        return super().save(**kwargs)

    def get_users(self, email):
        User = get_user_model()
        field = User.get_email_field_name()
        users = User._default_manager.filter(**{f"{field}__iexact": email, "is_active": True})
        for user in users.select_related("official"):
            if _same_email(email, getattr(user, field)) and (user.has_usable_password() or hasattr(user, "official")):
                yield user
