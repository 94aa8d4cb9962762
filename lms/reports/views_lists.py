"""The per-official pages of the HR reports: the lists behind the dashboard's "Overdue" and "Not
started" numbers (same units, drill-down and filters as the dashboard, 404 outside the user's
subtrees), and the training record of one official, on screen and as a PDF. Thin: the lines come
from ``lists``, the record from ``transcripts``."""

from urllib.parse import urlencode

from django import forms
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from lms.core.text import file_name_part
from lms.learning.models import Enrollment
from lms.people.permissions import hr_required
from lms.people.scopes import visible_officials

from . import lists, selection, transcripts


class SourceForm(forms.Form):
    """How the course came to the official: assigned, self-enrolled, or either (the dashboard's)."""

    source = forms.ChoiceField(
        label=_("How the course was taken up"),
        required=False,
        choices=[("", _("Assigned or self-enrolled"))] + list(Enrollment.Source.choices),
    )

    def value(self):
        return (self.cleaned_data.get("source") or None) if self.is_valid() else None


def _list(request, kind):
    roots, unit, form, units = selection.select(request)
    context = {**selection.page_context(roots, unit, form), "kind": kind, "page": None}
    source_form = SourceForm(request.GET) if kind == "not_started" else None
    source = source_form.value() if source_form else None
    context["source_form"], context["source"] = source_form, source
    source_query = urlencode({"source": source}) if source else ""
    context["list_query"] = "&".join(part for part in (context["export_query"], source_query) if part)
    if units:
        context["page"] = lists.page(kind, units, form.filters(), request.GET.get("page"), source=source)
    return render(request, "reports/lists/list.html", context)


@hr_required()
@require_GET
def overdue(request):
    return _list(request, "overdue")


@hr_required()
@require_GET
def not_started(request):
    return _list(request, "not_started")


def _official(request, pk):
    return get_object_or_404(visible_officials(request.user).select_related("unit", "position_group"), pk=pk)


@hr_required()
@require_GET
def transcript(request, pk):
    record = transcripts.transcript(_official(request, pk))
    return render(request, "reports/transcript.html", {"transcript": record, "official": record.official})


@hr_required()
@require_GET
def transcript_pdf(request, pk):
    official = _official(request, pk)
    response = HttpResponse(transcripts.transcript_pdf(official), content_type="application/pdf")
    code = file_name_part(official.employee_code, str(official.pk))
    response["Content-Disposition"] = f'inline; filename="qua-trinh-dao-tao-{code}.pdf"'
    return response
