"""Forms of the HR certificate pages. Choices come from the user's scope, so a unit outside it is
an invalid choice, never a filter that leaks."""

from django import forms
from django.utils.translation import gettext_lazy as _

from content.models import CoursePage
from lms.people.scopes import visible_officials, visible_units

from .models import Certificate
from .verification import Status


class CertificateFilterForm(forms.Form):
    """Unit (within the scope), course, year and status: the filters of the search and of a ZIP."""

    unit = forms.ChoiceField(label=_("Unit"), required=False)
    course = forms.TypedChoiceField(label=_("Course"), required=False, coerce=int, empty_value=None)
    year = forms.TypedChoiceField(label=_("Year of issue"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any status")), *Status.choices])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        units = visible_units(user).open().order_by("path").only("code", "name", "depth", "path")
        self.units = {unit.code: unit for unit in units}
        self.fields["unit"].choices = [("", _("All my units"))] + [
            (unit.code, "– " * max(unit.depth - 2, 0) + unit.name) for unit in self.units.values()
        ]
        # Courses that have certificates, not drafts nobody has completed.
        courses = CoursePage.objects.filter(pk__in=Certificate.objects.values("course_id")).order_by("title")
        self.fields["course"].choices = [("", _("All courses"))] + list(courses.values_list("pk", "title"))
        # order_by replaces the model's ordering, which DISTINCT would otherwise take into account.
        years = Certificate.objects.order_by("-year").values_list("year", flat=True).distinct()
        self.fields["year"].choices = [("", _("All years"))] + [(year, str(year)) for year in years]

    def clean_unit(self):
        code = self.cleaned_data["unit"]
        return self.units[code] if code else None


class CertificateSearchForm(CertificateFilterForm):
    q = forms.CharField(
        label=_("Name, employee code or serial number"),
        required=False,
        max_length=100,
        help_text=_("Diacritics are optional: “hong nhung” finds “Hồng Nhung”."),
    )
    # Set by the link from an official's page; not a visible field.
    official = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    field_order = ["q", "unit", "course", "year", "status"]

    def clean_official(self):
        official_id = self.cleaned_data["official"]
        if official_id is None:
            return None
        official = visible_officials(self.user).filter(pk=official_id).first()
        if official is None:
            raise forms.ValidationError(_("This official is not in your units."), code="official")
        return official


class ArchiveForm(CertificateFilterForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].required = True
        self.fields["unit"].choices = [("", _("Choose a unit"))] + self.fields["unit"].choices[1:]


class ReissueForm(forms.Form):
    holder_name = forms.CharField(
        label=_("Full name on the certificate"),
        max_length=255,
        help_text=_("Taken from the personnel record. If you correct it here, the record is corrected too."),
    )
    reason = forms.CharField(
        label=_("Reason for reissuing"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the certificate's history, e.g. the decision that corrected the name."),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revocation"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the certificate's history; not shown on the public verification page."),
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand that anyone who checks this certificate will see that it is revoked, and that this cannot be undone."
        ),
    )
