from django import forms
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD = 20 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File of officials (CSV or XLSX)"),
        help_text=_("Use the template; at most 20 MB."),
    )
    deactivate_missing = forms.BooleanField(
        label=_("Deactivate officials of my units who are not in this file (leavers)"),
        required=False,
        help_text=_("Their accounts are closed; their training history is kept."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 20 MB; split it."))
        return upload
