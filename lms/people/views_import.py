"""HR pages of the import of officials: upload, the dry run's report, confirm, check again, the
template. Thin: the workflow is ``imports.service``."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lms.core import spreadsheets

from .forms_import import ImportForm
from .imports import service, template
from .models import ImportBatch, PositionGroup
from .permissions import hr_required
from .scopes import scope_for, visible_units


@hr_required(manage=True)
@require_http_methods(["GET", "POST"])
def import_start(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        batch = service.start(request.user, form.cleaned_data["file"], form.cleaned_data["deactivate_missing"])
        return redirect("people:import_detail", pk=batch.pk)
    batches = ImportBatch.objects.filter(created_by=request.user)[:10]
    return render(request, "people/hr/import_start.html", {"form": form, "batches": batches})


def _own_batch(request, pk):
    batches = (
        ImportBatch.objects.all()
        if scope_for(request.user).everything
        else ImportBatch.objects.filter(created_by=request.user)
    )
    return get_object_or_404(batches, pk=pk)


@hr_required(manage=True)
@require_GET
def import_detail(request, pk):
    batch = _own_batch(request, pk)
    working = batch.status in {ImportBatch.Status.VALIDATING, ImportBatch.Status.APPLYING}
    done = service.progress(batch)
    percent = round(100 * done / batch.total_rows) if batch.total_rows else 0
    return render(
        request,
        "people/hr/import_detail.html",
        {
            "batch": batch,
            "working": working,
            "done": done,
            "percent": percent,
            "deactivate": (batch.report or {}).get("deactivate"),
        },
    )


@hr_required(manage=True)
@require_POST
def import_confirm(request, pk):
    batch = _own_batch(request, pk)
    try:
        service.confirm(batch, request.user, request.POST.get("deactivate_count"))
    except service.ImportRefused as error:
        messages.error(request, str(error))
    return redirect("people:import_detail", pk=batch.pk)


@hr_required(manage=True)
@require_POST
def import_retry(request, pk):
    batch = _own_batch(request, pk)
    try:
        service.retry(batch, request.user)
    except service.ImportRefused as error:
        messages.error(request, str(error))
    return redirect("people:import_detail", pk=batch.pk)


@hr_required(manage=True)
@require_GET
def import_template(request, fmt):
    if fmt == "csv":
        response = HttpResponse(template.csv_bytes(), content_type=spreadsheets.CSV_TYPE)
    else:
        units = visible_units(request.user, manage=True).open().order_by("path")
        response = HttpResponse(
            template.xlsx_bytes(units, PositionGroup.objects.all()),
            content_type=spreadsheets.XLSX_TYPE,
        )
    response["Content-Disposition"] = f'attachment; filename="mau-nhap-can-bo.{fmt}"'
    return response
