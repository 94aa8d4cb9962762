"""The dashboard's filters: year, course, position group and unit kind, read from the query string
and turned into ``Filters``. A value that is not one of the choices is a form error and is left
out of the filters; it never reaches a query."""

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from lms.people.models import OrgUnit, PositionGroup

from .cube import Filters
from .models import EnrollmentTally

FILTER_KEYS = ("year", "course", "group", "kind")


class DashboardFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    course = forms.TypedChoiceField(label=_("Course"), required=False, coerce=int, empty_value=None)
    group = forms.TypedChoiceField(label=_("Position group"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Unit kind"), required=False)

    def __init__(self, data=None, **kwargs):
        # Only the filter keys: the unit being looked at travels in the page's own links.
        if data is not None:
            data = {key: data.get(key, "") for key in FILTER_KEYS}
        super().__init__(data, **kwargs)
        # Three small queries, whatever the data: the choices are labels, not numbers.
        from content.models import CoursePage

        self.fields["year"].choices = [("", _("All years"))] + [(year, str(year)) for year in self.years()]
        from lms.learning.models import Enrollment

        # Published courses, and unpublished ones that still have records to report; never drafts.
        has_records = Exists(Enrollment.objects.filter(course=OuterRef("pk")))
        courses = CoursePage.objects.filter(Q(live=True) | has_records).order_by("title").values_list("pk", "title")
        self.fields["course"].choices = [("", _("All courses"))] + list(courses)
        groups = PositionGroup.objects.order_by("sort_order", "name").values_list("pk", "name")
        self.fields["group"].choices = [("", _("All position groups"))] + list(groups)
        self.fields["kind"].choices = [("", _("All kinds of unit"))] + list(OrgUnit.Kind.choices)

    def years(self):
        """The years that have enrolments, read from the top units' rows alone: every record adds to
        each open unit above it, so they hold every year, in a few hundred rows rather than the
        whole table's hundreds of thousands."""
        tops = OrgUnit.objects.open().filter(depth=1).values("pk")
        return (
            EnrollmentTally.objects.filter(unit_id__in=tops).order_by("-year").values_list("year", flat=True).distinct()
        )

    def filters(self):
        """``Filters`` of the valid fields (an invalid one is shown as an error and ignored)."""
        if not self.is_bound:
            return Filters()
        self.is_valid()
        values = {key: self.cleaned_data.get(key) for key in FILTER_KEYS if key not in self.errors}
        return Filters(**{key: value for key, value in values.items() if value not in (None, "")})

    def description(self):
        """The filters in force in words (``Year: 2025 · Position group: Công chức``), for a file."""
        filters, parts = self.filters(), []
        for key in FILTER_KEYS:
            value = getattr(filters, key)
            if value is not None:
                field = self.fields[key]
                label = dict(field.choices).get(value, value)
                parts.append(f"{field.label}: {label}")
        return " · ".join(parts)

    def querystring(self):
        """The valid, non-empty filters, to carry into drill-down and export links."""
        from urllib.parse import urlencode

        filters = self.filters()
        return urlencode({key: getattr(filters, key) for key in FILTER_KEYS if getattr(filters, key) is not None})
