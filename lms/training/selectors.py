"""Reads for HR's training-plan pages and for the notes that say why a course is assigned. Each
costs a fixed number of queries whatever the number of plans, requirements' officials or rows.

``plan_list(user, year=None)``
    The plans the user may open (``visibility.visible_plans``), with their number of requirements, newest year first.
``reads_whole_target(user, requirements)``
    Whether the user reads every unit they target (the preview lists all their officials).
``requirements_of(plan)``
    The plan's requirements with their course, units, groups, positions, titles and number of
    exclusions (five queries).
``due_words(requirement)``
    The due rule in words.
``preview_rows(requirement, today)``
    One row per official the requirement targets, for the preview's spreadsheet (one query).
``obligations(user, requirement, status, unit)``
    The requirement's current obligations of the officials the user sees, with their status
    (``STATUSES``: exclusive, the overdue before the others) and number of extensions.
``exclusions(user, requirement)`` / ``not_emailed(user, plan)``
    The officials left out of a requirement; those of the plan who could not be e-mailed.
``enrollment_notes(enrollment_ids)``
    Per enrolment, its current obligations (plan, reason, due date, mandatory, extended): one
    query. Registered with ``lms.learning.hooks`` (``TrainingConfig.ready``).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy

from lms.notifications import selectors as notifications
from lms.people.models import JobPosition, LeadershipTitle, Official, OrgUnit, PositionGroup
from lms.people.scopes import scope_for, visible_officials

from . import rules
from .models import Exclusion, Extension, Obligation, Requirement, TrainingPlan
from .visibility import visible_plans

if TYPE_CHECKING:
    from lms.people.scopes import AnyUser

# The ledger's topic of the messages about an obligation (``assignment._notify_assigned``).
TOPIC = "obligation"
# An obligation's status on HR's pages, one each: the overdue shown as overdue whatever else.
STATUSES = {
    "completed": pgettext_lazy("obligation status", "Completed"),
    "overdue": pgettext_lazy("obligation status", "Overdue"),
    "in_progress": pgettext_lazy("obligation status", "In progress"),
    "not_started": pgettext_lazy("obligation status", "Not started"),
}
# What the preview says an official will be, and its spreadsheet's words for it.
PREVIEW_STATUSES = {
    "completed": pgettext_lazy("preview status", "already completed"),
    "enrolled": pgettext_lazy("preview status", "already enrolled"),
    "new": pgettext_lazy("preview status", "new"),
}


# Plans -------------------------------------------------------------------------------------------


def plan_list(user: "AnyUser", year: int | None = None) -> QuerySet[TrainingPlan]:
    plans = visible_plans(user).annotate(requirement_count=Count("requirements"))
    if year is not None:
        plans = plans.filter(year=year)
    return plans.order_by("-year", "name", "pk")


def plan_years(user: "AnyUser") -> list[int]:
    return list(visible_plans(user).order_by("-year").values_list("year", flat=True).distinct())


def can_create(user: "AnyUser") -> bool:
    scope = scope_for(user)
    return scope.everything or bool(scope.manage_paths)


def can_manage(user: "AnyUser", plan: TrainingPlan) -> bool:
    return scope_for(user).covers(plan.owner_unit, manage=True)


def managed_units(user: "AnyUser") -> QuerySet[OrgUnit]:
    """The open units the user manages, in tree order: what a plan or a requirement may name."""
    return OrgUnit.objects.filter(scope_for(user).units_q(manage=True)).open().order_by("path")


# Requirements ------------------------------------------------------------------------------------


def requirements_of(plan: TrainingPlan) -> list[Requirement]:
    return list(
        plan.requirements.select_related("course", "plan")
        .prefetch_related(
            Prefetch("units", queryset=OrgUnit.objects.order_by("path")),
            Prefetch("position_groups", queryset=PositionGroup.objects.all()),
            Prefetch("job_positions", queryset=JobPosition.objects.all()),
            Prefetch("leadership_titles", queryset=LeadershipTitle.objects.all()),
        )
        .annotate(exclusion_count=Count("exclusions", distinct=True))
        .order_by("pk")
    )


def reads_whole_target(user: "AnyUser", requirements: Iterable[Requirement]) -> bool:
    """Whether every unit these requirements target lies in the user's read scope: needed to read
    a plan's preview, which lists every official it targets (the units prefetched, no query)."""
    scope = scope_for(user)
    return all(scope.covers(unit) for requirement in requirements for unit in requirement.units.all())


def covers_all_units(user: "AnyUser", requirement: Requirement) -> bool:
    """Whether the user manages every unit the requirement names (needed to change it)."""
    scope = scope_for(user)
    return all(scope.covers(unit, manage=True) for unit in requirement.units.all())


def due_words(requirement: Requirement) -> str:
    rule, days = requirement.due_rule, requirement.due_days or 0
    if rule == Requirement.DueRule.FIXED:
        if requirement.due_date is None:
            return "—"
        return _("By %(date)s") % {"date": date_format(requirement.due_date, "SHORT_DATE_FORMAT")}
    if rule == Requirement.DueRule.AFTER_ASSIGNMENT:
        text = ngettext("Within %(days)s day of being assigned", "Within %(days)s days of being assigned", days)
    elif rule == Requirement.DueRule.AFTER_JOINING:
        text = ngettext("Within %(days)s day of joining the unit", "Within %(days)s days of joining the unit", days)
    else:
        text = ngettext(
            "Within %(days)s day of taking the position", "Within %(days)s days of taking the position", days
        )
    return text % {"days": days}


def preview_rows(requirement: Requirement, today: datetime.date) -> Iterator[dict[str, Any]]:
    """Every official the requirement targets with what activating it would do to them: status
    (``PREVIEW_STATUSES``), the enrolment's current due date and the new one (the rule's, unless
    the enrolment is due earlier already; none once completed). One query, read in chunks."""
    course_id = requirement.course_id or 0
    officials = (
        rules.targeted(requirement)
        .annotate(
            this_course=FilteredRelation("enrollments", condition=Q(enrollments__course_id=course_id)),
        )
        .order_by("unit__path", "full_name", "pk")
        .values(
            "employee_code",
            "full_name",
            "joined_on",
            "position_since",
            unit_name=F("unit__name"),
            group_name=F("position_group__name"),
            position_name=F("job_position__name"),
            title_name=F("leadership_title__name"),
            enrollment_id=F("this_course__id"),
            completed_at=F("this_course__completed_at"),
            current_due=F("this_course__due_date"),
        )
    )
    for row in officials.iterator(chunk_size=2000):
        if row["completed_at"] is not None:
            status, new_due = "completed", None
        else:
            status = "enrolled" if row["enrollment_id"] else "new"
            new_due = rules.due_for(requirement, today, _date(row["joined_on"]), row["position_since"])
            if row["current_due"] is not None and row["current_due"] < new_due:
                new_due = row["current_due"]
        yield {**row, "status": status, "new_due": new_due}


def _date(value: Any) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


# People ------------------------------------------------------------------------------------------


def _status_case(today: datetime.date) -> Case:
    started = Q(enrollment__last_activity_at__isnull=False) & (
        Q(enrollment__cycle_started_at__isnull=True)
        | Q(enrollment__last_activity_at__gt=F("enrollment__cycle_started_at"))
    )
    return Case(
        When(enrollment__completed_at__isnull=False, then=Value("completed")),
        When(due_date__lt=today, then=Value("overdue")),
        When(started, then=Value("in_progress")),
        default=Value("not_started"),
        output_field=CharField(),
    )


def obligations(
    user: "AnyUser", requirement: Requirement, today: datetime.date, status: str = "", unit: OrgUnit | None = None
) -> QuerySet[Any]:
    scope = scope_for(user)
    extensions = (
        Extension.objects.filter(obligation=OuterRef("pk")).order_by().values("obligation").annotate(n=Count("pk"))
    )
    rows = (
        Obligation.objects.current()
        .filter(requirement=requirement)
        .filter(scope.units_q(prefix="official__unit__"))
        .select_related("official__unit", "enrollment")
        .annotate(state=_status_case(today), extension_count=Coalesce(Subquery(extensions.values("n")), 0))
    )
    if status in STATUSES:
        rows = rows.filter(state=status)
    if unit is not None:
        rows = rows.filter(official__unit__path__startswith=unit.path)
    return rows.order_by("official__unit__path", "official__full_name", "pk")


def exclusions(user: "AnyUser", requirement: Requirement) -> QuerySet[Exclusion]:
    return (
        Exclusion.objects.filter(requirement=requirement)
        .filter(scope_for(user).units_q(prefix="official__unit__"))
        .select_related("official__unit")
        .order_by("official__unit__path", "official__full_name", "pk")
    )


def not_emailed(user: "AnyUser", plan: TrainingPlan) -> QuerySet[Official]:
    """The officials (that the user sees) of whom a message about one of the plan's obligations
    could not be e-mailed (no address, inactive), with the reason of the latest such message."""
    failed = notifications.not_emailed(Obligation.objects.filter(plan=plan).values("official__user_id")).filter(
        topic=TOPIC, object_id__in=Obligation.objects.filter(plan=plan).values("pk")
    )
    latest = failed.filter(recipient_id=OuterRef("user_id")).order_by("-created_at", "-pk")
    return (
        visible_officials(user)
        .filter(Exists(latest))
        .annotate(email_status=Subquery(latest.values("email_status")[:1]))
        .select_related("unit", "user")
        .order_by("unit__path", "full_name", "pk")
    )


# Why a course is assigned ------------------------------------------------------------------------


def enrollment_notes(enrollment_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The current obligations of these enrolments in plans in force (active, or gaining a
    requirement), the earliest due first: one query."""
    ids = list(enrollment_ids)
    notes: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not ids:
        return {}
    rows = (
        Obligation.objects.current()
        .filter(enrollment_id__in=ids, plan__status__in=[TrainingPlan.Status.ACTIVE, TrainingPlan.Status.ACTIVATING])
        .select_related("requirement__plan")
        .annotate(extended=Exists(Extension.objects.filter(obligation=OuterRef("pk"))))
        .order_by("enrollment_id", "due_date", "pk")
    )
    for obligation in rows:
        requirement = obligation.requirement
        notes[obligation.enrollment_id].append(
            {
                "plan": requirement.plan.name,
                "reason": requirement.reason,
                "due_date": obligation.due_date,
                "mandatory": requirement.mandatory,
                "extended": obligation.extended,
            }
        )
    return dict(notes)
