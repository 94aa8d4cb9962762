"""Wagtail admin edit view of an official: a change of unit is a dated move, never a silent edit."""

from wagtail.admin.views import generic
from wagtail.log_actions import log

from .views_units import StructureErrorMixin


class OfficialEditView(StructureErrorMixin, generic.EditView):
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "for_user": self.request.user}

    def save_instance(self):
        official = self.form.save()
        log(instance=official, action="wagtail.edit", user=self.request.user, content_changed=True)
        return official


class OfficialIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("unit", "position_group", "job_position", "leadership_title")
