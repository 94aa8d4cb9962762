"""The HR dashboard and its exports. Thin: which units (the user's report roots, or a unit drilled
down to inside them), which filters (the form), and every number from ``aggregation.overview``.
A unit outside the user's subtrees is a 404, on the page and in the exports alike."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lms.people.models import OrgUnit
from lms.people.views_hr import hr_required

from . import aggregation, charts, exports
from .forms import DashboardFilterForm


def _unit(request, roots):
    """The unit asked for with ``?unit=``, if any: open and inside ``roots``, else a 404."""
    raw = request.GET.get("unit", "")
    if not raw:
        return None
    try:
        unit = OrgUnit.objects.filter(pk=int(raw), valid_to__isnull=True).first()
    except (TypeError, ValueError, OverflowError):
        unit = None
    if unit is None or not aggregation.is_within(unit, roots):
        raise Http404
    return unit


def _breadcrumbs(unit, roots):
    """The units from the user's root down to ``unit``, in one query."""
    root = next(root for root in roots if unit.path.startswith(root.path))
    steplen = OrgUnit.steplen
    paths = [unit.path[: depth * steplen] for depth in range(root.depth, unit.depth)]
    return list(OrgUnit.objects.filter(path__in=paths).order_by("path")) if paths else []


def _selection(request):
    """What the dashboard, its exports and the lists share: the user's report roots, the unit drilled
    down to (or None), the filter form, and the units reported (that unit, or the roots)."""
    roots = aggregation.roots_for_user(request.user)
    unit = _unit(request, roots)
    return roots, unit, DashboardFilterForm(request.GET), [unit] if unit else roots


def _report(request):
    """What the page and the exports share: the units reported, the filter form and the overview."""
    roots, unit, form, units = _selection(request)
    overview = aggregation.overview(units, form.filters()) if units else None
    return roots, unit, form, overview


def _page_context(roots, unit, form):
    """The heading, breadcrumbs and query strings a page about ``unit`` (or the roots) shows."""
    filters_query = form.querystring()
    unit_query = f"unit={unit.pk}" if unit else ""
    return {
        "form": form,
        "unit": unit,
        "current": unit or (roots[0] if len(roots) == 1 else None),
        "several_roots": len(roots) > 1,
        "crumbs": _breadcrumbs(unit, roots) if unit else [],
        "filters_query": filters_query,
        "unit_query": unit_query,
        "export_query": "&".join(part for part in (unit_query, filters_query) if part),
        "has_filters": bool(filters_query),
    }


def _with_query(base, *parts):
    query = "&".join(part for part in parts if part)
    return f"{base}?{query}" if query else base


def _tables(request, overview, filters_query):
    """The three breakdowns as the page shows them: heading, rows (with a drill-down link for a
    unit) and the chart of their completion rates."""
    tables = []
    for key, heading, first, chart_title, rows in (
        ("unit", _("By unit"), _("Unit"), _("Completion rate by unit"), overview.by_unit),
        (
            "group",
            _("By position group"),
            _("Position group"),
            _("Completion rate by position group"),
            overview.by_group,
        ),
        ("course", _("By course"), _("Course"), _("Completion rate by course"), overview.by_course),
    ):
        links = [_with_query(request.path, f"unit={row.key}", filters_query) if key == "unit" else None for row in rows]
        tables.append(
            {
                "key": key,
                "heading": heading,
                "first": first,
                "rows": list(zip(rows, links, strict=True)),
                "chart": charts.bar_chart(
                    chart_title,
                    [(row.label, row.numbers.completion_rate) for row in rows],
                )
                if rows
                else None,
            }
        )
    return tables


@hr_required()
@require_GET
def dashboard(request):
    roots, unit, form, overview = _report(request)
    context = {**_page_context(roots, unit, form), "overview": overview}
    if overview is not None:
        context["tables"] = _tables(request, overview, context["filters_query"])
        context["month_chart"] = charts.column_chart(
            _("Completions by month"), [(f"{month:%m/%y}", n) for month, n in overview.by_month]
        )
    return render(request, "reports/dashboard.html", context)


@hr_required()
@require_GET
def export(request, table, fmt):
    if table not in exports.TABLES or fmt not in ("csv", "xlsx"):
        raise Http404
    roots, unit, form, overview = _report(request)
    if overview is None:
        overview = aggregation.Overview(aggregation.Numbers(), [], [], [], [])
    title, header, rows = exports.table(overview, table)
    filename = f"bao-cao-{ {'unit': 'don-vi', 'group': 'nhom', 'course': 'khoa-hoc', 'month': 'thang'}[table] }"
    if unit:
        filename += f"-{unit.pk}"
    if fmt == "csv":
        response = HttpResponse(exports.csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
    else:
        where = unit.name if unit else ", ".join(root.name for root in roots)
        response = HttpResponse(
            exports.xlsx_bytes(
                title, header, rows, scope_line=" · ".join(filter(None, [f"{title} — {where}", form.description()]))
            ),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
