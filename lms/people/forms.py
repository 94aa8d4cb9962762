"""Admin forms for the organisation tree. They collect input and hand it to ``structure``; the
rules (where a unit may go, what may succeed it) live in the services, whose refusals the views
turn into form errors."""

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateInput

from . import structure
from .models import Official, OrgUnit

# Officials type dates day first whatever the interface language; ISO stays accepted for pasted values.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]


def date_field(**kwargs):
    return forms.DateField(input_formats=DATE_INPUT_FORMATS, widget=AdminDateInput(format="%d/%m/%Y"), **kwargs)


class UnitChoiceField(forms.ModelChoiceField):
    """Open units in tree order, indented by depth."""

    def __init__(self, **kwargs):
        super().__init__(queryset=OrgUnit.objects.open().order_by("path"), **kwargs)

    def label_from_instance(self, unit):
        return f"{'— ' * (unit.depth - 1)}{unit.name} ({unit.code})"


class OrgUnitForm(forms.ModelForm):
    parent = UnitChoiceField(
        label=_("parent unit"), required=False, help_text=_("Leave empty for a top-level unit (a province).")
    )
    valid_from = date_field(label=_("valid from"), required=False, help_text=_("dd/mm/yyyy; empty if unknown."))

    class Meta:
        model = OrgUnit
        fields = ["parent", "name", "kind", "code", "valid_from"]

    def unit_data(self):
        return {name: self.cleaned_data[name] for name in ("name", "kind", "code", "valid_from")}


class OrgUnitCreateForm(OrgUnitForm):
    def save(self, commit=True):
        return structure.create_unit(self.cleaned_data["parent"], **self.unit_data())


class OrgUnitEditForm(OrgUnitForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parent = self.instance.get_parent()
        self.initial["parent"] = parent.pk if parent else None
        if parent is not None and parent.is_closed:
            # A closed unit keeps its closed parent; it is offered so that the form still validates.
            offered = OrgUnit.objects.open() | OrgUnit.objects.filter(pk=parent.pk)
            self.fields["parent"].queryset = offered.order_by("path")

    @transaction.atomic
    def save(self, commit=True):
        unit = self.instance
        changed = {name: value for name, value in self.unit_data().items() if name in self.changed_data}
        if "name" in changed:
            structure.rename_unit(unit, changed.pop("name"))
        if changed:
            structure.update_unit(unit, **changed)
        if "parent" in self.changed_data:
            structure.move_unit(unit, self.cleaned_data["parent"])
        return unit


class CloseUnitForm(forms.Form):
    on_date = date_field(
        label=_("last day of the unit"),
        help_text=_("dd/mm/yyyy. Its sub-units close on the same day; its officials move on the next day."),
    )
    successor = UnitChoiceField(
        label=_("successor"),
        required=False,
        help_text=_(
            "The unit that takes over its officials and records, e.g. the new commune after a merger. "
            "Required while active officials still work in the unit."
        ),
    )

    def __init__(self, *args, instance, **kwargs):
        self.instance = instance
        super().__init__(*args, **kwargs)

    def save(self, changed_by=None):
        return structure.close_unit(
            self.instance, self.cleaned_data["on_date"], self.cleaned_data["successor"], changed_by=changed_by
        )


class OfficialAdminForm(forms.ModelForm):
    """Edits an official; a change of unit goes through ``structure.move_official`` so that the
    dated placement history stays true."""

    unit = UnitChoiceField(label=_("unit"))
    on_date = date_field(
        label=_("in the new unit from"),
        required=False,
        help_text=_("dd/mm/yyyy. Only used when the unit changes; empty means today."),
    )

    position_since = date_field(
        label=_("in this position since"),
        required=False,
        help_text=_(
            "dd/mm/yyyy. When the job position or title changes and this date is not changed, today is recorded."
        ),
    )

    class Meta:
        model = Official
        fields = [
            "full_name",
            "employee_code",
            "unit",
            "on_date",
            "position_group",
            "job_position",
            "leadership_title",
            "position_since",
            "phone",
            "is_active",
        ]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.for_user = for_user
        unit_id = self.instance.unit_id
        if unit_id:
            # An official still placed in a closed unit keeps it offered, so that the form validates.
            offered = OrgUnit.objects.open() | OrgUnit.objects.filter(pk=unit_id)
            self.fields["unit"].queryset = offered.order_by("path")

    @transaction.atomic
    def save(self, commit=True):
        official = self.instance
        new_unit = self.cleaned_data["unit"]
        old_unit_id = Official.objects.filter(pk=official.pk).values_list("unit_id", flat=True).first()
        official.unit_id = old_unit_id
        if {"job_position", "leadership_title"} & set(self.changed_data) and "position_since" not in self.changed_data:
            official.position_since = timezone.localdate()
        official.save()
        if new_unit.pk != old_unit_id:
            on_date = self.cleaned_data["on_date"] or timezone.localdate()
            structure.move_official(official, new_unit, on_date, changed_by=self.for_user)
        return official
