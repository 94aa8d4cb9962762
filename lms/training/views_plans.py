"""HR's pages for training plans: the list, a plan (create, edit, detail, activate, close, delete),
its requirements and the preview before activating. Thin: reads from ``selectors``, every change
through ``services``, whose refusals become form errors or messages.

A plan is found only among those the user may read (another unit's is a 404); changing it needs
the managing scope over its owning unit (a unit head reads only: 403), and changing a requirement
that over every unit it names too."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lms.core import spreadsheets
from lms.core.dates import today
from lms.core.downloads import attachment
from lms.core.paging import page_of
from lms.people.permissions import hr_required

from . import selectors, services, visibility
from .forms import PlanForm, RequirementForm, add_refusal
from .models import Requirement, TrainingPlan

PER_PAGE = 50


# Finding what the user may read or change ---------------------------------------------------------


def plan_for(request, pk: int, manage: bool = False) -> TrainingPlan:
    plan = get_object_or_404(visibility.visible_plans(request.user), pk=pk)
    if manage and not selectors.can_manage(request.user, plan):
        raise PermissionDenied
    return plan


def requirement_for(request, pk: int, manage: bool = False) -> Requirement:
    requirements = Requirement.objects.filter(plan__in=visibility.visible_plans(request.user).values("pk"))
    requirement = get_object_or_404(requirements.select_related("plan__owner_unit", "course"), pk=pk)
    if manage and not (
        selectors.can_manage(request.user, requirement.plan) and selectors.covers_all_units(request.user, requirement)
    ):
        raise PermissionDenied
    return requirement


def _progress_url(plan: TrainingPlan) -> str | None:
    """The plan's progress page (``urls_progress``), when it is there."""
    try:
        return reverse("training:plan_progress", args=[plan.pk])
    except NoReverseMatch:
        return None


# Plans -------------------------------------------------------------------------------------------


@hr_required()
@require_GET
def plan_list(request):
    years = selectors.plan_years(request.user)
    text = request.GET.get("year", "")
    year = int(text) if text.isdigit() and int(text) in years else None
    page = page_of(selectors.plan_list(request.user, year), request.GET.get("page"), PER_PAGE)
    for plan in page.object_list:
        plan.progress_url = _progress_url(plan)
    return render(
        request,
        "training/plan_list.html",
        {"page": page, "years": years, "year": year, "can_create": selectors.can_create(request.user)},
    )


@hr_required(manage=True)
@require_http_methods(["GET", "POST"])
def plan_create(request):
    form = PlanForm(request.POST or None, units=selectors.managed_units(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.create_plan(request.user, **form.values())
        except services.TrainingError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("The plan “%(name)s” has been created as a draft.") % {"name": plan.name})
            return redirect("training:plan_detail", pk=plan.pk)
    return render(request, "training/plan_form.html", {"form": form, "plan": None})


@hr_required(manage=True)
@require_http_methods(["GET", "POST"])
def plan_edit(request, pk):
    plan = plan_for(request, pk, manage=True)
    form = PlanForm(request.POST or None, units=selectors.managed_units(request.user), plan=plan)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        if plan.status != TrainingPlan.Status.DRAFT:
            del values["year"], values["owner_unit"]  # fixed once active (the fields are disabled)
        try:
            services.update_plan(request.user, plan, **values)
        except services.TrainingError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("The plan has been saved."))
            return redirect("training:plan_detail", pk=plan.pk)
    return render(request, "training/plan_form.html", {"form": form, "plan": plan})


@hr_required()
@require_GET
def plan_detail(request, pk):
    plan = plan_for(request, pk)
    requirements = selectors.requirements_of(plan)
    manage = selectors.can_manage(request.user, plan)
    context = {
        "can_preview": selectors.reads_whole_target(request.user, requirements),
        "plan": plan,
        "requirements": [(r, selectors.due_words(r)) for r in requirements],
        "can_manage": manage,
        "progress_url": _progress_url(plan),
        "working": plan.status == TrainingPlan.Status.ACTIVATING,
        "can_add": manage and plan.status in (TrainingPlan.Status.DRAFT, TrainingPlan.Status.ACTIVE),
    }
    if context["working"]:
        context["done"] = min(services.progress(plan), plan.total)
    return render(request, "training/plan_detail.html", context)


@hr_required(manage=True)
@require_POST
def plan_activate(request, pk):
    plan = plan_for(request, pk, manage=True)
    try:
        services.activate(plan, request.user)
    except services.TrainingError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The plan is being assigned to its officials."))
    return redirect("training:plan_detail", pk=plan.pk)


@hr_required(manage=True)
@require_POST
def plan_close(request, pk):
    plan = plan_for(request, pk, manage=True)
    try:
        services.close(plan)
    except services.TrainingError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The plan has been closed: no more assignments or reminders."))
    return redirect("training:plan_detail", pk=plan.pk)


@hr_required(manage=True)
@require_POST
def plan_delete(request, pk):
    plan = plan_for(request, pk, manage=True)
    try:
        services.delete_plan(plan)
    except services.TrainingError as error:
        messages.error(request, str(error.message))
        return redirect("training:plan_detail", pk=plan.pk)
    messages.success(request, _("The draft plan “%(name)s” has been deleted.") % {"name": plan.name})
    return redirect("training:plan_list")


# Requirements ------------------------------------------------------------------------------------


def _requirement_form(request, plan: TrainingPlan, requirement: Requirement | None):
    form = RequirementForm(request.POST or None, units=selectors.managed_units(request.user), requirement=requirement)
    if request.method == "POST" and form.is_valid():
        try:
            with_job = plan.status == TrainingPlan.Status.ACTIVE
            services.save_requirement(request.user, plan, form.fields_for_service(), requirement)
        except services.TrainingError as error:
            add_refusal(form, error)
        else:
            if with_job:
                messages.success(request, _("The requirement has been added and is being assigned."))
            else:
                messages.success(request, _("The requirement has been saved."))
            return redirect("training:plan_detail", pk=plan.pk)
    context = {
        "form": form,
        "plan": plan,
        "requirement": requirement,
        "min_notice": settings.TRAINING_MIN_NOTICE_DAYS,
    }
    return render(request, "training/requirement_form.html", context)


@hr_required(manage=True)
@require_http_methods(["GET", "POST"])
def requirement_add(request, pk):
    return _requirement_form(request, plan_for(request, pk, manage=True), None)


@hr_required(manage=True)
@require_http_methods(["GET", "POST"])
def requirement_edit(request, pk):
    requirement = requirement_for(request, pk, manage=True)
    return _requirement_form(request, requirement.plan, requirement)


@hr_required(manage=True)
@require_POST
def requirement_delete(request, pk):
    requirement = requirement_for(request, pk, manage=True)
    try:
        services.delete_requirement(requirement.plan, requirement)
    except services.TrainingError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The requirement has been deleted."))
    return redirect("training:plan_detail", pk=requirement.plan_id)


# Preview -----------------------------------------------------------------------------------------


@hr_required()
@require_GET
def plan_preview(request, pk):
    plan = plan_for(request, pk)
    requirements = _previewable(request, plan)
    day = today()
    previews = [(services.preview(r, day), selectors.due_words(r)) for r in requirements]
    return render(request, "training/plan_preview.html", {"plan": plan, "previews": previews})


def _previewable(request, plan: TrainingPlan) -> list[Requirement]:
    """The plan's requirements, when the user reads every official they target (else a 403: the
    HR of one commune reads a province's plan, not the other communes' people)."""
    requirements = selectors.requirements_of(plan)
    if not selectors.reads_whole_target(request.user, requirements):
        raise PermissionDenied
    return requirements


def _date(value) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""


@hr_required()
@require_GET
def plan_preview_xlsx(request, pk):
    """One row per (requirement, official) the plan targets, as activating it would find them."""
    plan = plan_for(request, pk)
    requirements = _previewable(request, plan)
    day = today()
    header = [
        _("Course"),
        _("Target group"),
        _("Employee code"),
        _("Full name"),
        _("Unit"),
        _("Position group"),
        _("Job position"),
        _("Leadership title"),
        _("Status"),
        _("Current due date"),
        _("New due date"),
    ]
    statuses = {key: str(label) for key, label in selectors.PREVIEW_STATUSES.items()}

    def rows():
        for requirement in requirements:
            for row in selectors.preview_rows(requirement, day):
                yield [
                    requirement.course_title,
                    requirement.audience,
                    row["employee_code"],
                    row["full_name"],
                    row["unit_name"],
                    row["group_name"],
                    row["position_name"] or "",
                    row["title_name"] or "",
                    statuses[row["status"]],
                    _date(row["current_due"]),
                    _date(row["new_due"]),
                ]

    widths = {"A": 36, "B": 24, "C": 14, "D": 28, "E": 28, "F": 18, "G": 24, "H": 24, "I": 16, "J": 14, "K": 14}
    table = spreadsheets.Table(_("Preview"), header, rows(), widths=widths, note=f"{plan.name} ({plan.year})")
    data = ContentFile(spreadsheets.xlsx_bytes(table))
    return attachment(data, f"xem-truoc-ke-hoach-{plan.pk}.xlsx", spreadsheets.XLSX_TYPE)
