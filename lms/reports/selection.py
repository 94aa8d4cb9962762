"""Which units and which filters a report is about, read once from a request for the dashboard,
its exports, the lists and the export page (the API reads its parameters through ``unit_within``
too): the user's report roots, the unit drilled down to (a 404 outside them), the filter form.

``select(request) -> (roots, unit, form, units)``
    The user's roots, the unit of ``?unit=`` (or None), the ``DashboardFilterForm`` of the query,
    and the units reported (that unit, or the roots).
``report(request) -> (roots, unit, form, overview)``
    The same with ``aggregation.overview`` of those units (None without any).
``page_context(roots, unit, form)``
    The heading, breadcrumbs and query strings a page about ``unit`` (or the roots) shows.
``unit_within(raw, roots)``
    The unit of an id inside the roots, or ``NotWithin``.
"""

from django.http import Http404

from lms.people.models import OrgUnit

from . import aggregation
from .forms import DashboardFilterForm


class NotWithin(LookupError):
    """No such open unit within the user's report roots."""


def unit_within(raw, roots):
    """The open unit whose id is ``raw`` (text, an int, or empty) inside the subtrees ``roots``;
    None when none is asked for. ``NotWithin`` when it does not exist, is closed or lies outside:
    the same answer for all three, so nothing leaks about other units."""
    if raw in (None, ""):
        return None
    try:
        unit = OrgUnit.objects.open().filter(pk=int(raw)).first()
    except (TypeError, ValueError, OverflowError):
        unit = None
    if unit is None or not aggregation.is_within(unit, roots):
        raise NotWithin
    return unit


def unit_of(request, roots):
    """The unit asked for with ``?unit=``, if any: open and inside ``roots``, else a 404."""
    try:
        return unit_within(request.GET.get("unit", ""), roots)
    except NotWithin:
        raise Http404 from None


def breadcrumbs(unit, roots):
    """The units from the user's root down to ``unit``, in one query."""
    root = next(root for root in roots if unit.path.startswith(root.path))
    steplen = OrgUnit.steplen
    paths = [unit.path[: depth * steplen] for depth in range(root.depth, unit.depth)]
    return list(OrgUnit.objects.filter(path__in=paths).order_by("path")) if paths else []


def select(request):
    """What the dashboard, its exports and the lists share: the user's report roots, the unit drilled
    down to (or None), the filter form, and the units reported (that unit, or the roots)."""
    roots = aggregation.roots_for_user(request.user)
    unit = unit_of(request, roots)
    return roots, unit, DashboardFilterForm(request.GET), [unit] if unit else roots


def report(request):
    """What the page and the exports share: the units reported, the filter form and the overview."""
    roots, unit, form, units = select(request)
    overview = aggregation.overview(units, form.filters()) if units else None
    return roots, unit, form, overview


def page_context(roots, unit, form):
    """The heading, breadcrumbs and query strings a page about ``unit`` (or the roots) shows."""
    filters_query = form.querystring()
    unit_query = f"unit={unit.pk}" if unit else ""
    return {
        "form": form,
        "unit": unit,
        "current": unit or (roots[0] if len(roots) == 1 else None),
        "several_roots": len(roots) > 1,
        "crumbs": breadcrumbs(unit, roots) if unit else [],
        "filters_query": filters_query,
        "unit_query": unit_query,
        "export_query": "&".join(part for part in (unit_query, filters_query) if part),
        "has_filters": bool(filters_query),
    }
