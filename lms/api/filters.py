"""The API's filters: the dashboard's form, except that any year is a valid year (a year with no
enrolment yet is zeros, not an error, for a system that asks for the current year every day)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from lms.reports.forms import DashboardFilterForm


class ApiFilterForm(DashboardFilterForm):
    def years(self):
        return []  # the field below takes any year

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["year"] = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
