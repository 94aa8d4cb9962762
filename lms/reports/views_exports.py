"""Row-level exports of the dashboard: the enrolments behind a number as CSV or XLSX, prepared by a
Celery task (``export_jobs``). The unit and the dashboard's filters come in the query string, as in
the dashboard's links (``?list=overdue&unit=12&year=2025``); a unit outside the user's subtrees is
a 404, and so is another user's export, or one whose units have left the user's scope."""

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from lms.core.downloads import attachment
from lms.people.permissions import hr_required

from . import aggregation, export_jobs, export_rows, selection
from .forms import DashboardFilterForm
from .models import ReportExport


class ExportForm(forms.Form):
    list_name = forms.ChoiceField(label=_("Which enrolments"), choices=ReportExport.LISTS)
    format = forms.ChoiceField(label=_("File format"), choices=ReportExport.FORMATS, initial="csv")


@hr_required()
@require_http_methods(["GET", "POST"])
def export_start(request):
    roots, unit, filter_form, units = selection.select(request)  # a unit not theirs is a 404
    filters = filter_form.filters()
    if request.method == "POST":
        form = ExportForm(request.POST)
        if form.is_valid():
            try:
                job = export_jobs.start(
                    request.user, unit, form.cleaned_data["list_name"], filters, form.cleaned_data["format"]
                )
            except export_jobs.OutOfScope as error:
                raise Http404 from error
            except export_jobs.ExportRefused as error:
                form.add_error(None, str(error))
            else:
                return redirect("reports:export_detail", pk=job.pk)
    else:
        chosen, fmt = request.GET.get("list", "all"), request.GET.get("format", "csv")
        form = ExportForm(
            initial={
                "list_name": chosen if chosen in export_jobs.LISTS else "all",
                "format": fmt if fmt in export_jobs.FORMATS else "csv",
            }
        )
    numbers = aggregation.summary(units, filters) if units else aggregation.Numbers()
    choices = [(value, label, export_rows.count_of(numbers, value)) for value, label in ReportExport.LISTS.items()]
    return render(
        request,
        "reports/exports/start.html",
        {
            "form": form,
            "unit": unit,
            "roots": roots,
            "list_choices": choices,
            "chosen_list": form["list_name"].value(),
            "chosen_format": form["format"].value(),
            "filters_description": filter_form.description(),
            "exports": export_jobs.for_user(request.user),
        },
    )


def _own(request, pk):
    job = export_jobs.get_for_user(request.user, pk)
    if job is None:
        raise Http404
    return job


@hr_required()
@require_GET
def export_detail(request, pk):
    job = _own(request, pk)
    return render(
        request,
        "reports/exports/detail.html",
        {"export": job, "filters_description": DashboardFilterForm(job.filters).description()},
    )


@hr_required()
@require_GET
def export_download(request, pk):

    job = _own(request, pk)
    ready = job.file if job.status == ReportExport.Status.DONE else None  # None: a 404
    return attachment(ready, export_jobs.filename(job), export_jobs.CONTENT_TYPES[job.format])
