from django import forms
from django.utils.translation import gettext_lazy as _

MAX_DAYS = 3650


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “Provincial reporting system”."),
    )
    days = forms.IntegerField(
        label=_("Expires after (days)"),
        required=False,
        min_value=1,
        max_value=MAX_DAYS,
        help_text=_("Leave empty for a token that does not expire."),
    )
