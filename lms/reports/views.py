"""The HR dashboard and its exports. Thin: which units (the user's report roots, or a unit drilled
down to inside them), which filters (the form), and every number from ``aggregation.overview``.
A unit outside the user's subtrees is a 404, on the page and in the exports alike."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lms.people.permissions import hr_required

from . import aggregation, charts, exports, selection


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
    roots, unit, form, overview = selection.report(request)
    context = {**selection.page_context(roots, unit, form), "overview": overview}
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
    roots, unit, form, overview = selection.report(request)
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
