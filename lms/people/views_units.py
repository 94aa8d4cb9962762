"""Wagtail admin views of the organisation tree: thin wrappers that hand forms to ``structure``
and show its refusals as form errors."""

import django_filters
from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.widgets.button import Button
from wagtail.log_actions import log

from .models import OrgUnit
from .structure import StructureError

CLOSE_ACTION = "people.close_unit"


def indented_name(unit):
    # Em spaces survive HTML whitespace collapsing, so the depth shows without extra markup.
    return "\u2003\u2003" * (unit.depth - 1) + unit.name


def validity(unit):
    start = date_format(unit.valid_from, "SHORT_DATE_FORMAT") if unit.valid_from else "…"
    end = date_format(unit.valid_to, "SHORT_DATE_FORMAT") if unit.valid_to else "…"
    return f"{start} – {end}"


def validity_column():
    return Column("validity", label=_("Validity"), accessor=validity)


class OrgUnitFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[("open", _("Open")), ("closed", _("Closed"))],
        empty_label=_("All"),
        method="filter_status",
    )

    class Meta:
        model = OrgUnit
        fields: list[str] = []

    def filter_status(self, queryset, name, value):
        return queryset.open() if value == "open" else queryset.closed()


class StructureErrorMixin:
    """A refusal of the structure services is shown on the form, never as a server error."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)  # saves inside a transaction, rolled back on refusal
        except StructureError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class UnitIndexView(generic.IndexView):
    close_url_name = None

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("successor")

    @cached_property
    def columns(self):
        columns = super().columns
        columns[0].accessor = indented_name  # keeps the title column's link and buttons
        return columns

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if not instance.is_closed and self.user_has_permission("change"):
            url = reverse(self.close_url_name, args=[quote(instance.pk)])
            buttons.append(MenuItem(_("Close / merge"), url=url, icon_name="lock", priority=40))
        return buttons


class UnitCreateView(StructureErrorMixin, generic.CreateView):
    def save_instance(self):
        unit = self.form.save()
        log(instance=unit, action="wagtail.create", user=self.request.user, content_changed=True)
        return unit


class UnitEditView(StructureErrorMixin, generic.EditView):
    close_url_name = None

    def save_instance(self):
        unit = self.form.save()
        log(instance=unit, action="wagtail.edit", user=self.request.user, content_changed=True)
        return unit

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if not self.object.is_closed:
            url = reverse(self.close_url_name, args=[quote(self.object.pk)])
            buttons.append(Button(_("Close / merge"), url=url, icon_name="lock", priority=40))
        return buttons


class UnitCloseView(StructureErrorMixin, generic.EditView):
    """Close a unit on a date, naming the unit that takes over (a merger)."""

    close_url_name = None
    page_title = _("Close / merge")
    submit_button_label = _("Close the unit")
    submit_button_active_label = _("Closing…")
    success_message = _("%(model_name)s '%(object)s' closed.")
    error_message = _("The %(model_name)s could not be closed.")

    def get_edit_url(self):
        # The generic template posts the form to the edit URL; this view's form goes here.
        return reverse(self.close_url_name, args=[quote(self.object.pk)])

    def get_success_buttons(self):
        return [messages.button(reverse(self.edit_url_name, args=[quote(self.object.pk)]), _("Edit"))]

    def save_instance(self):
        unit = self.form.save(changed_by=self.request.user)
        log(instance=unit, action=CLOSE_ACTION, user=self.request.user, content_changed=True)
        return unit
