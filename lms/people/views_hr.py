"""HR pages: officials within the user's scope, and the import of officials."""

import csv
import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .csv_safety import safe_cell
from .forms_import import ImportForm
from .imports import service, template
from .models import ImportBatch, PositionGroup
from .scopes import scope_for, visible_officials, visible_units

PER_PAGE = 50


def hr_required(manage=False):
    """Logged in, with an HR scope (a managing one when ``manage``) or administrator rights."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            scope = scope_for(request.user)
            if scope.is_empty or (manage and not scope.everything and not scope.manage_paths):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _filtered_officials(request):
    officials = visible_officials(request.user).select_related("unit", "position_group")
    query = request.GET.get("q", "").strip()[:100]
    if query:
        officials = officials.filter(Q(full_name__icontains=query) | Q(employee_code__icontains=query))
    unit = request.GET.get("unit", "")
    if unit:
        chosen = visible_units(request.user).filter(code=unit).first()
        officials = officials.filter(unit__path__startswith=chosen.path) if chosen else officials.none()
    status = request.GET.get("status", "active")
    if status in {"active", "inactive"}:
        officials = officials.filter(is_active=status == "active")
    return officials.order_by("unit__path", "full_name"), {"q": query, "unit": unit, "status": status}


@hr_required()
@require_GET
def official_list(request):
    officials, filters = _filtered_officials(request)
    page = Paginator(officials, PER_PAGE).get_page(request.GET.get("page"))
    units = [
        (unit.code, "– " * max(unit.depth - 2, 0) + unit.name)
        for unit in visible_units(request.user)
        .filter(valid_to__isnull=True)
        .order_by("path")
        .only("code", "name", "depth")
    ]
    return render(
        request,
        "people/hr/official_list.html",
        {
            "page": page,
            "filters": filters,
            "units": units,
            "querystring": request.GET.urlencode(),
            "pager_query": urlencode(filters),
        },
    )


@hr_required()
@require_GET
def official_detail(request, pk):
    official = get_object_or_404(
        visible_officials(request.user).select_related("unit", "position_group", "user"), pk=pk
    )
    placements = official.placements.select_related("unit").order_by("-started_on", "-pk")
    return render(request, "people/hr/official_detail.html", {"official": official, "placements": placements})


class _Echo:
    def write(self, value):
        return value


@hr_required()
@require_GET
def official_export(request):
    """CSV of the officials on screen (same filters), streamed in constant memory."""
    officials, _filters = _filtered_officials(request)
    writer = csv.writer(_Echo())
    header = [
        _("Employee code"),
        _("Full name"),
        _("E-mail"),
        _("Unit code"),
        _("Unit"),
        _("Position group"),
        _("Active"),
    ]
    rows = officials.values_list(
        "employee_code", "full_name", "user__email", "unit__code", "unit__name", "position_group__name", "is_active"
    )

    def lines():
        yield "\ufeff" + writer.writerow(header)
        for row in rows.iterator(chunk_size=2000):
            yield writer.writerow([safe_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="can-bo.csv"'
    return response


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
        response = HttpResponse(template.csv_bytes(), content_type="text/csv; charset=utf-8")
    else:
        units = visible_units(request.user, manage=True).filter(valid_to__isnull=True).order_by("path")
        response = HttpResponse(
            template.xlsx_bytes(units, PositionGroup.objects.all()),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="mau-nhap-can-bo.{fmt}"'
    return response
