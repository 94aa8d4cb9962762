"""HR's pages for the officials of a requirement (their obligations, extensions, exclusions) and
for the plan's officials who could not be e-mailed. Officials are only those the user sees; an
official (or an obligation) outside the user's managing scope cannot be changed: a 404."""

from functools import reduce
from operator import or_

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lms.core.dates import today
from lms.core.paging import page_of
from lms.notifications.models import EmailStatus
from lms.people.models import OrgUnit
from lms.people.permissions import hr_required
from lms.people.scopes import scope_for, visible_officials

from . import selectors, services
from .forms import ExcludeByCodeForm, ExclusionForm, ExtensionForm, add_refusal
from .models import Exclusion, Obligation, TrainingPlan
from .views_plans import PER_PAGE, plan_for, requirement_for


def _units_of(user, requirement):
    """The open units under the requirement's units that the user sees: the unit filter's choices."""
    paths = [unit.path for unit in requirement.units.all()]
    if not paths:
        return OrgUnit.objects.none()
    inside = reduce(or_, (Q(path__startswith=path) for path in paths))
    return OrgUnit.objects.filter(inside).filter(scope_for(user).units_q()).open().order_by("path")


def _people_url(requirement, query: str = "") -> str:
    url = reverse("training:requirement_people", args=[requirement.pk])
    return f"{url}?{query}" if query else url


@hr_required()
@require_GET
def requirement_people(request, pk):
    requirement = requirement_for(request, pk)
    units = list(_units_of(request.user, requirement).only("pk", "code", "name", "depth"))
    status = request.GET.get("status", "")
    status = status if status in selectors.STATUSES else ""
    code = request.GET.get("unit", "")
    unit = next((u for u in units if u.code == code), None)
    rows = selectors.obligations(request.user, requirement, today(), status, unit)
    if code and unit is None:
        rows = rows.none()
    page = page_of(rows, request.GET.get("page"), PER_PAGE)
    for obligation in page.object_list:
        obligation.state_label = selectors.STATUSES[obligation.state]
    plan = requirement.plan
    context = {
        "plan": plan,
        "requirement": requirement,
        "page": page,
        "filters": {"status": status, "unit": code},
        "statuses": list(selectors.STATUSES.items()),
        "units": [(u.code, "– " * max(u.depth - 1, 0) + u.name) for u in units],
        "exclusions": list(selectors.exclusions(request.user, requirement)),
        "can_change": plan.status != TrainingPlan.Status.CLOSED and selectors.can_manage(request.user, plan),
        "back": request.get_full_path(),
    }
    return render(request, "training/requirement_people.html", context)


def _next(request, requirement) -> str:
    """Back to the list the action came from (one of the requirement's people pages), else its first."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if target.startswith(_people_url(requirement)) else _people_url(requirement)


@hr_required(manage=True)
@require_http_methods(["GET", "POST"])
def requirement_exclude(request, pk):
    """Leave an official out of the requirement: one from the list (``official``), or one typed by
    employee code."""
    requirement = requirement_for(request, pk, manage=True)
    managed = visible_officials(request.user, manage=True).select_related("unit")
    chosen = request.POST.get("official") or request.GET.get("official")
    official = None
    if chosen:
        official = get_object_or_404(managed, pk=int(chosen) if chosen.isdigit() and len(chosen) < 19 else 0)
        form = ExclusionForm(request.POST or None)
    else:
        form = ExcludeByCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if official is None:
            official = managed.filter(employee_code=form.cleaned_data["employee_code"].strip()).first()
            if official is None:
                form.add_error("employee_code", _("No official with this employee code in the units you manage."))
        if official is not None and not form.errors:
            try:
                services.exclude(request.user, requirement, official, form.cleaned_data["reason"])
            except services.TrainingError as error:
                add_refusal(form, error)
            else:
                messages.success(request, _("%(name)s is left out of this requirement.") % {"name": official.full_name})
                return redirect(_next(request, requirement))
    context = {
        "plan": requirement.plan,
        "requirement": requirement,
        "official": official if chosen else None,
        "form": form,
        "next": _next(request, requirement),
    }
    return render(request, "training/requirement_exclude.html", context)


@hr_required(manage=True)
@require_POST
def requirement_include(request, pk, exclusion_id):
    requirement = requirement_for(request, pk, manage=True)
    exclusions = Exclusion.objects.filter(scope_for(request.user).units_q(manage=True, prefix="official__unit__"))
    exclusion = get_object_or_404(exclusions.select_related("official"), pk=exclusion_id, requirement=requirement)
    if requirement.plan.status == TrainingPlan.Status.CLOSED:
        messages.error(request, _("A closed plan cannot be changed."))
    else:
        services.include_again(requirement, exclusion)
        messages.success(request, _("%(name)s is included again.") % {"name": exclusion.official.full_name})
    return redirect(_next(request, requirement))


@hr_required(manage=True)
@require_http_methods(["GET", "POST"])
def obligation_extend(request, pk):
    scope = scope_for(request.user)
    obligations = Obligation.objects.filter(
        scope.units_q(prefix="plan__owner_unit__"), scope.units_q(manage=True, prefix="official__unit__")
    )
    obligation = get_object_or_404(obligations.select_related("official__unit", "requirement__plan"), pk=pk)
    requirement = obligation.requirement
    plan_for(request, requirement.plan_id, manage=True)  # 403 to a user who cannot change the plan
    form = ExtensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.extend(request.user, obligation, form.cleaned_data["due_date"], form.cleaned_data["reason"])
        except services.TrainingError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("%(name)s has a new due date.") % {"name": obligation.official.full_name})
            return redirect(_next(request, requirement))
    extensions = obligation.extensions.select_related("granted_by").order_by("-granted_at", "-pk")
    context = {
        "plan": requirement.plan,
        "requirement": requirement,
        "obligation": obligation,
        "extensions": list(extensions),
        "form": form,
        "next": _next(request, requirement),
    }
    return render(request, "training/obligation_extend.html", context)


@hr_required()
@require_GET
def plan_not_emailed(request, pk):
    plan = plan_for(request, pk)
    page = page_of(selectors.not_emailed(request.user, plan), request.GET.get("page"), PER_PAGE)
    labels = dict(EmailStatus.choices)
    page.object_list = [(official, labels.get(official.email_status, "")) for official in page.object_list]
    return render(request, "training/plan_not_emailed.html", {"plan": plan, "page": page})
