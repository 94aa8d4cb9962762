"""HR pages: the officials within the user's scope, their history and a CSV of the list
(the import of officials is ``views_import``)."""

from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lms.core import spreadsheets
from lms.core.paging import page_of

from .models import JobPosition, LeadershipTitle
from .permissions import hr_required
from .scopes import visible_officials, visible_units

PER_PAGE = 50
WITHOUT = "none"  # the filters' value for officials without a job position / title


def _by_listed(officials, field, value):
    """Officials whose ``field`` is the row of id ``value``, or empty (``WITHOUT``); any other
    value selects no one, as an unknown unit does."""
    if not value:
        return officials
    if value == WITHOUT:
        return officials.filter(**{f"{field}__isnull": True})
    if value.isdigit() and len(value) < 19:
        return officials.filter(**{f"{field}_id": int(value)})
    return officials.none()


def _filtered_officials(request):
    officials = visible_officials(request.user).select_related(
        "unit", "position_group", "job_position", "leadership_title"
    )
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
    position = request.GET.get("position", "").strip()[:20]
    officials = _by_listed(officials, "job_position", position)
    title = request.GET.get("title", "").strip()[:20]
    officials = _by_listed(officials, "leadership_title", title)
    filters = {"q": query, "unit": unit, "status": status, "position": position, "title": title}
    return officials.order_by("unit__path", "full_name"), filters


@hr_required()
@require_GET
def official_list(request):
    officials, filters = _filtered_officials(request)
    page = page_of(officials, request.GET.get("page"), PER_PAGE)
    units = [
        (unit.code, "– " * max(unit.depth - 2, 0) + unit.name)
        for unit in visible_units(request.user).open().order_by("path").only("code", "name", "depth")
    ]
    return render(
        request,
        "people/hr/official_list.html",
        {
            "page": page,
            "filters": filters,
            "units": units,
            "positions": [(str(p.pk), p.name) for p in JobPosition.objects.only("pk", "name")],
            "titles": [(str(t.pk), t.name) for t in LeadershipTitle.objects.only("pk", "name")],
            "without": WITHOUT,
        },
    )


@hr_required()
@require_GET
def official_detail(request, pk):
    official = get_object_or_404(
        visible_officials(request.user).select_related(
            "unit", "position_group", "job_position", "leadership_title", "user"
        ),
        pk=pk,
    )
    placements = official.placements.select_related("unit").order_by("-started_on", "-pk")
    return render(request, "people/hr/official_detail.html", {"official": official, "placements": placements})


@hr_required()
@require_GET
def official_export(request):
    """CSV of the officials on screen (same filters), streamed in constant memory."""
    officials, _filters = _filtered_officials(request)
    header = [
        _("Employee code"),
        _("Full name"),
        _("E-mail"),
        _("Unit code"),
        _("Unit"),
        _("Position group"),
        _("Job position"),
        _("Leadership title"),
        _("Active"),
    ]
    rows = officials.values_list(
        "employee_code",
        "full_name",
        "user__email",
        "unit__code",
        "unit__name",
        "position_group__name",
        "job_position__name",
        "leadership_title__name",
        "is_active",
    )

    response = StreamingHttpResponse(
        spreadsheets.csv_lines(header, rows.iterator(chunk_size=2000)), content_type=spreadsheets.CSV_TYPE
    )
    response["Content-Disposition"] = 'attachment; filename="can-bo.csv"'
    return response
