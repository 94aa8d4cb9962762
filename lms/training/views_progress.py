"""HR's pages of a plan's progress: the figures (summary, by requirement, drill-down by unit, by
position group, job position and leadership title), the people behind them, and both as CSV or
XLSX. Thin: which plan (``visibility.visible_plans``: a 404 for a plan outside the viewer's scope),
which unit (``?unit=``, a 404 outside it), which requirement (``?requirement=``, a 404 when not the
plan's); every figure from ``progress``. Read-only: unit heads (read-only scopes) see them too."""

import tempfile
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import BadRequest
from django.core.files import File
from django.core.files.base import ContentFile
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import pgettext, pgettext_lazy
from django.views.decorators.http import require_GET

from lms.core import spreadsheets
from lms.core.dates import today
from lms.core.downloads import attachment
from lms.people.models import OrgUnit
from lms.people.permissions import hr_required

from . import exports, progress, visibility

FORMATS = {"csv": spreadsheets.CSV_TYPE, "xlsx": spreadsheets.XLSX_TYPE}
# Above so many lines the XLSX of the people is refused in favour of the streamed CSV.
PEOPLE_XLSX_LIMIT = 50_000


def _plan(request, pk):
    return get_object_or_404(visibility.visible_plans(request.user), pk=pk)


def _area(request):
    try:
        return progress.area_for(request.user, request.GET.get("unit"))
    except progress.NotWithin:
        raise Http404 from None


def _query(**params):
    return urlencode({key: value for key, value in params.items() if value not in (None, "")})


def _selection(request, pk):
    """The plan, the area and the page's figures (404s for a plan, unit or requirement not theirs)."""
    plan = _plan(request, pk)
    area = _area(request)
    try:
        result = progress.progress(plan, area, request.GET.get("requirement"), today())
    except progress.UnknownRequirement:
        raise Http404 from None
    return plan, area, result


def _context(plan, area, requirement):
    unit_query = _query(unit=area.unit.pk if area.unit else None)
    requirement_query = _query(requirement=requirement.pk if requirement else None)
    return {
        "plan": plan,
        "area": area,
        "unit": area.unit,
        "current": area.level,
        "crumbs": area.crumbs,
        "several_roots": len(area.roots) > 1,
        "unit_query": unit_query,
        "requirement_query": requirement_query,
        "query": "&".join(part for part in (unit_query, requirement_query) if part),
    }


@hr_required()
@require_GET
def plan_progress(request, pk):
    plan, area, result = _selection(request, pk)
    context = {**_context(plan, area, result.requirement), "progress": result}
    context["dimensions"] = [
        (
            "group",
            pgettext("plan progress", "By position group"),
            pgettext("plan progress", "Position group"),
            result.by_group,
        ),
        (
            "position",
            pgettext("plan progress", "By job position"),
            pgettext("plan progress", "Job position"),
            result.by_position,
        ),
        (
            "title",
            pgettext("plan progress", "By leadership title"),
            pgettext("plan progress", "Leadership title"),
            result.by_title,
        ),
    ]
    return render(request, "training/progress.html", context)


def _file_name(stem, plan, area, fmt):
    return f"{stem}-{plan.pk}{f'-{area.unit.pk}' if area.unit else ''}.{fmt}"


def _format(request):
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        raise BadRequest(pgettext("plan progress", "Choose the CSV or XLSX format."))
    return fmt


@hr_required()
@require_GET
def plan_progress_export(request, pk):
    fmt = _format(request)
    plan, area, result = _selection(request, pk)
    tables = exports.figure_tables(result)
    data = spreadsheets.csv_bytes(*tables) if fmt == "csv" else spreadsheets.xlsx_bytes(*tables)
    name = _file_name("tien-do-ke-hoach", plan, area, fmt)
    return attachment(ContentFile(data, name=name), name, FORMATS[fmt])


# The people -------------------------------------------------------------------------------------


class PeopleFilterForm(forms.Form):
    """The people list's filters besides the unit: a requirement of the plan and a status."""

    requirement = forms.TypedChoiceField(
        label=pgettext_lazy("plan progress", "Requirement"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(label=pgettext_lazy("plan progress", "Status"), required=False)

    def __init__(self, data, requirements):
        super().__init__(data)
        self.requirements = {r.pk: r for r in requirements}
        self.fields["requirement"].choices = [("", pgettext_lazy("plan progress", "All requirements"))] + [
            (r.pk, f"{r.course_title} — {r.audience}") for r in requirements
        ]
        self.fields["status"].choices = [("", pgettext_lazy("plan progress", "All statuses"))] + list(
            progress.STATUS_LABELS.items()
        )

    def values(self):
        """``(requirement, status)`` chosen, None for each left out or invalid."""
        if not self.is_valid():
            return None, None
        return self.requirements.get(self.cleaned_data["requirement"]), self.cleaned_data["status"] or None


def _unit_choices(area):
    """The units the list can be narrowed to: the way down to the current unit and the sub-units
    one level below it (or the roots): one query."""
    level = area.level
    around = list(area.crumbs) + ([area.unit] if area.unit and area.unit != level else [])
    if level is None:
        below = list(area.roots)
    else:
        around.append(level)
        below = list(OrgUnit.objects.subtree(level).open().filter(depth=level.depth + 1).order_by("path"))
    return [(unit.pk, unit.name, unit.depth) for unit in [*around, *below]]


def _people(request, pk):
    plan = _plan(request, pk)
    area = _area(request)
    requirements = progress.plan_requirements(plan)
    form = PeopleFilterForm(request.GET, requirements)
    requirement, status = form.values()
    return plan, area, requirements, form, requirement, status


@hr_required()
@require_GET
def plan_progress_people(request, pk):
    plan, area, requirements, form, requirement, status = _people(request, pk)
    day = today()
    page = progress.people_page(plan, area, requirements, request.GET.get("page"), requirement, status, day)
    context = {
        **_context(plan, area, requirement),
        "form": form,
        "page": page,
        "status": status,
        "units": _unit_choices(area),
        "export_query": _query(
            unit=area.unit.pk if area.unit else None,
            requirement=requirement.pk if requirement else None,
            status=status,
        ),
    }
    return render(request, "training/progress_people.html", context)


@hr_required()
@require_GET
def plan_people_export(request, pk):
    fmt = _format(request)
    plan, area, requirements, form, requirement, status = _people(request, pk)
    if form.errors:
        raise BadRequest(pgettext("plan progress", "The filters of the list are not valid."))
    day = today()
    rows = progress.obligations(plan, area, requirement, status, day)
    name = _file_name("can-bo-ke-hoach", plan, area, fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.people_csv(rows.iterator(chunk_size=2000), day), content_type=FORMATS[fmt]
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    total = progress.figures(requirements, area, requirement, day)
    if (total.targeted if status is None else getattr(total, status)) > PEOPLE_XLSX_LIMIT:
        messages.error(request, pgettext("plan progress", "The list is too long for an XLSX file; download it as CSV."))
        query = request.GET.copy()
        query.pop("format", None)
        return redirect(f"{reverse('training:plan_progress_people', args=[plan.pk])}?{query.urlencode()}")
    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    exports.people_xlsx(rows.iterator(chunk_size=2000), day, handle, pgettext("plan progress", "Officials"))
    return attachment(File(handle, name=name), name, FORMATS[fmt])
