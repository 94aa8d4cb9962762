"""HR's forms for training plans. They collect and check what was typed; the rules (scopes, what a
draft or an active plan allows) live in ``services``, whose refusals the views put on the fields
(``add_refusal``). Dates are typed day first (``lms.people.forms.DATE_INPUT_FORMATS``)."""

import datetime
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from content.models import CoursePage
from lms.core.dates import today
from lms.people.forms import DATE_INPUT_FORMATS
from lms.people.models import JobPosition, LeadershipTitle, PositionGroup

from .models import Requirement, TrainingPlan
from .services import RequirementFields, TrainingError

DATE_PLACEHOLDER = pgettext_lazy("date placeholder", "dd/mm/yyyy")


def date_field(**kwargs: Any) -> forms.DateField:
    widget = forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": DATE_PLACEHOLDER, "inputmode": "numeric"})
    return forms.DateField(
        input_formats=DATE_INPUT_FORMATS,
        widget=widget,
        error_messages={"invalid": _("Type the date as dd/mm/yyyy, e.g. 31/12/2026.")},
        **kwargs,
    )


class IndentedUnits:
    """Units labelled in tree order, indented by depth."""

    def label_from_instance(self, unit):
        return f"{'— ' * (unit.depth - 1)}{unit.name}"


class UnitField(IndentedUnits, forms.ModelChoiceField):
    pass


class UnitsField(IndentedUnits, forms.ModelMultipleChoiceField):
    pass


OUTSIDE = _("Choose among the units you manage.")


def add_refusal(form: forms.Form, error: TrainingError) -> None:
    """A service's refusal on the field it names (when the form has it), else above the form."""
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


class PlanForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("training", "Name of the plan"), max_length=255)
    year = forms.IntegerField(label=pgettext_lazy("training", "Year"), min_value=2000, max_value=2100)
    owner_unit = UnitField(
        label=pgettext_lazy("training", "Owning unit"),
        queryset=None,
        error_messages={"invalid_choice": OUTSIDE},
        empty_label=None,
    )
    description = forms.CharField(
        label=pgettext_lazy("training", "Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    reminder_days = forms.CharField(
        label=pgettext_lazy("training", "Reminders before the due date (days)"),
        max_length=40,
        initial="14,3",
        help_text=_("Days before the due date on which officials are reminded, separated by commas, e.g. 14,3."),
    )

    def __init__(self, *args: Any, units: Any, plan: TrainingPlan | None = None, **kwargs: Any) -> None:
        if plan is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": plan.name,
                    "year": plan.year,
                    "owner_unit": plan.owner_unit,
                    "description": plan.description,
                    "reminder_days": plan.reminder_days,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = today().year
        owner_unit = cast(forms.ModelChoiceField, self.fields["owner_unit"])
        owner_unit.queryset = units
        if plan is not None and plan.status != TrainingPlan.Status.DRAFT:
            # Fixed once the plan is active: shown, not sent.
            for name in ("year", "owner_unit"):
                self.fields[name].disabled = True
            owner_unit.queryset = units.model.objects.filter(pk=plan.owner_unit_id)

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "year": data["year"],
            "owner_unit": data["owner_unit"],
            "description": data["description"],
            "reminder_days": data["reminder_days"].replace(" ", ""),
        }


class RequirementForm(forms.Form):
    course = forms.ModelChoiceField(
        label=pgettext_lazy("training", "Course"),
        queryset=CoursePage.objects.none(),
        empty_label=pgettext_lazy("training", "— choose a course —"),
        error_messages={"invalid_choice": _("Choose one of the published courses.")},
    )
    audience = forms.CharField(
        label=pgettext_lazy("training", "Target group"),
        max_length=160,
        help_text=_("Who this is for, in words officials read as the reason, e.g. “Lãnh đạo cấp xã”."),
    )
    units = UnitsField(
        label=pgettext_lazy("training", "Units (with everything below)"),
        queryset=None,
        error_messages={"invalid_choice": OUTSIDE, "required": _("Choose at least one unit.")},
        help_text=_("Officials of these units and of every unit below them."),
    )
    position_groups = forms.ModelMultipleChoiceField(
        label=pgettext_lazy("training", "Position groups"),
        queryset=PositionGroup.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    job_positions = forms.ModelMultipleChoiceField(
        label=pgettext_lazy("training", "Job positions"),
        queryset=JobPosition.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    leadership_titles = forms.ModelMultipleChoiceField(
        label=pgettext_lazy("training", "Leadership titles"),
        queryset=LeadershipTitle.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    joined_after = date_field(
        label=pgettext_lazy("training", "Joined the unit after"),
        required=False,
        help_text=_("Empty: whenever they joined."),
    )
    due_rule = forms.ChoiceField(
        label=pgettext_lazy("training", "Due date"),
        choices=Requirement.DueRule.choices,
        initial=Requirement.DueRule.FIXED,
        widget=forms.RadioSelect,
    )
    due_date = date_field(label=pgettext_lazy("training", "Due on"), required=False)
    due_days = forms.IntegerField(
        label=pgettext_lazy("training", "Number of days"), required=False, min_value=1, max_value=1000
    )
    mandatory = forms.BooleanField(
        label=pgettext_lazy("training", "Mandatory"),
        required=False,
        initial=True,
        help_text=_("Unticked: recommended only."),
    )

    def __init__(self, *args: Any, units: Any, requirement: Requirement | None = None, **kwargs: Any) -> None:
        if requirement is not None:
            kwargs.setdefault(
                "initial",
                {
                    "course": requirement.course_id,
                    "audience": requirement.audience,
                    "units": list(requirement.units.all()),
                    "position_groups": list(requirement.position_groups.all()),
                    "job_positions": list(requirement.job_positions.all()),
                    "leadership_titles": list(requirement.leadership_titles.all()),
                    "joined_after": requirement.joined_after,
                    "due_rule": requirement.due_rule,
                    "due_date": requirement.due_date,
                    "due_days": requirement.due_days,
                    "mandatory": requirement.mandatory,
                },
            )
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["course"]).queryset = CoursePage.objects.live().order_by("title")
        cast(forms.ModelMultipleChoiceField, self.fields["units"]).queryset = units
        self.fields["units"].widget.attrs["size"] = 8

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        rule = data.get("due_rule")
        if rule == Requirement.DueRule.FIXED:
            due: datetime.date | None = data.get("due_date")
            if due is None and "due_date" not in self.errors:
                self.add_error("due_date", _("Give the due date."))
            elif due is not None and due < today():
                self.add_error("due_date", _("The due date has already passed."))
        elif rule and not data.get("due_days") and "due_days" not in self.errors:
            self.add_error("due_days", _("Give the number of days (at least 1)."))
        return data

    def fields_for_service(self) -> RequirementFields:
        data = self.cleaned_data
        return RequirementFields(
            course=data["course"],
            audience=data["audience"],
            units=list(data["units"]),
            mandatory=data["mandatory"],
            position_groups=list(data["position_groups"]),
            job_positions=list(data["job_positions"]),
            leadership_titles=list(data["leadership_titles"]),
            joined_after=data["joined_after"],
            due_rule=data["due_rule"],
            due_date=data["due_date"],
            due_days=data["due_days"],
        )


class ExtensionForm(forms.Form):
    due_date = date_field(label=pgettext_lazy("training", "New due date"))
    reason = forms.CharField(label=pgettext_lazy("training", "Reason"), max_length=255)


class ExclusionForm(forms.Form):
    reason = forms.CharField(label=pgettext_lazy("training", "Reason"), max_length=255)


class ExcludeByCodeForm(forms.Form):
    employee_code = forms.CharField(label=pgettext_lazy("training", "Employee code"), max_length=40)
    reason = forms.CharField(label=pgettext_lazy("training", "Reason"), max_length=255)
