"""Domain operations on training plans: create and edit (HR, inside their managing scope),
preview, activate (a background job), close, exclude an official, extend a due date.

Every refusal is a ``TrainingError`` with a translated message (and the form field it belongs to).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from lms.celery import enqueue_on_commit
from lms.core import jobs
from lms.core.dates import today as local_today
from lms.learning.models import Enrollment
from lms.people.models import Official, OrgUnit
from lms.people.scopes import scope_for

from . import assignment, rules, tallies
from .models import Exclusion, Extension, Obligation, Requirement, TrainingPlan, parse_reminder_days
from .tasks import activate_plan

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import StrPromise

    from content.models import CoursePage

ACTIVATION = "training.activation"
END_OF_IDS = 2**63 - 1  # past any official's id


class TrainingError(ValueError):
    def __init__(self, message: "str | StrPromise", field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def register_stages() -> None:
    jobs.register(
        jobs.Stage(ACTIVATION, TrainingPlan, (TrainingPlan.Status.ACTIVATING,), activate_plan, fail_activation)
    )


# Plans -----------------------------------------------------------------------------------------


def _check_unit(user: "User", unit: OrgUnit, field: str = "owner_unit") -> None:
    if not scope_for(user).covers(unit, manage=True):
        raise TrainingError(_("“%(unit)s” is outside the units you manage.") % {"unit": unit.name}, field)


def _check_editable(plan: TrainingPlan) -> None:
    if plan.status != TrainingPlan.Status.DRAFT:
        raise TrainingError(_("Only a draft plan can be changed this way."))


def _check_reminders(text: str) -> None:
    try:
        parse_reminder_days(text)
    except ValueError:
        raise TrainingError(
            _("Write up to five numbers of days between 1 and 365, separated by commas, e.g. 14,3."),
            "reminder_days",
        ) from None


def create_plan(
    user: "User",
    *,
    name: str,
    year: int,
    owner_unit: OrgUnit,
    description: str = "",
    reminder_days: str = "14,3",
) -> TrainingPlan:
    if not name.strip():
        raise TrainingError(_("A plan needs a name."), "name")
    _check_unit(user, owner_unit)
    _check_reminders(reminder_days)
    return TrainingPlan.objects.create(
        name=name.strip(),
        year=year,
        owner_unit=owner_unit,
        description=description,
        reminder_days=reminder_days,
        created_by=user,
    )


def update_plan(user: "User", plan: TrainingPlan, **fields: Any) -> TrainingPlan:
    """Name, description and reminders may change while the plan is active; year and unit only
    in a draft."""
    if plan.status == TrainingPlan.Status.CLOSED:
        raise TrainingError(_("A closed plan cannot be changed."))
    if plan.status != TrainingPlan.Status.DRAFT and (
        fields.get("year", plan.year) != plan.year or fields.get("owner_unit", plan.owner_unit) != plan.owner_unit
    ):
        raise TrainingError(_("The year and the unit of an active plan cannot change."))
    if "owner_unit" in fields:
        _check_unit(user, fields["owner_unit"])
    if "reminder_days" in fields:
        _check_reminders(fields["reminder_days"])
    if "name" in fields and not str(fields["name"]).strip():
        raise TrainingError(_("A plan needs a name."), "name")
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.save()
    return plan


@dataclass
class RequirementFields:
    course: "CoursePage"
    audience: str
    units: list[OrgUnit]
    mandatory: bool = True
    position_groups: Iterable[Any] = ()
    job_positions: Iterable[Any] = ()
    leadership_titles: Iterable[Any] = ()
    joined_after: datetime.date | None = None
    due_rule: str = Requirement.DueRule.FIXED
    due_date: datetime.date | None = None
    due_days: int | None = None


def _check_requirement(user: "User", fields: RequirementFields) -> None:
    if not fields.audience.strip():
        raise TrainingError(_("Name the target group, e.g. “Lãnh đạo cấp xã”."), "audience")
    if not fields.units:
        raise TrainingError(_("Choose at least one unit."), "units")
    for unit in fields.units:
        _check_unit(user, unit, "units")
    if fields.due_rule == Requirement.DueRule.FIXED:
        if fields.due_date is None:
            raise TrainingError(_("Give the due date."), "due_date")
    elif not fields.due_days or fields.due_days < 1:
        raise TrainingError(_("Give the number of days (at least 1)."), "due_days")


@transaction.atomic
def save_requirement(
    user: "User", plan: TrainingPlan, fields: RequirementFields, requirement: Requirement | None = None
) -> Requirement:
    """Add a requirement (to a draft or an active plan) or change one (of a draft). A requirement
    added to an active plan is assigned at once, as a job."""
    if plan.status == TrainingPlan.Status.CLOSED or (
        requirement is not None and plan.status != TrainingPlan.Status.DRAFT
    ):
        raise TrainingError(_("Only a draft plan's requirements can be changed; an active plan can gain new ones."))
    if plan.status == TrainingPlan.Status.ACTIVATING:
        raise TrainingError(_("The plan is being assigned; please wait until it finishes."))
    _check_requirement(user, fields)
    requirement = requirement or Requirement(plan=plan)
    requirement.course = fields.course
    requirement.course_title = fields.course.title
    requirement.audience = fields.audience.strip()
    requirement.mandatory = fields.mandatory
    requirement.joined_after = fields.joined_after
    requirement.due_rule = fields.due_rule
    requirement.due_date = fields.due_date if fields.due_rule == Requirement.DueRule.FIXED else None
    requirement.due_days = None if fields.due_rule == Requirement.DueRule.FIXED else fields.due_days
    requirement.save()
    requirement.units.set(fields.units)
    requirement.position_groups.set(list(fields.position_groups))
    requirement.job_positions.set(list(fields.job_positions))
    requirement.leadership_titles.set(list(fields.leadership_titles))
    if plan.status == TrainingPlan.Status.ACTIVE:
        _start_job(plan, user, _refuse_unready(plan, [requirement]))
    return requirement


def delete_requirement(plan: TrainingPlan, requirement: Requirement) -> None:
    _check_editable(plan)
    requirement.delete()


def delete_plan(plan: TrainingPlan) -> None:
    _check_editable(plan)
    plan.delete()


# Preview and activation --------------------------------------------------------------------------


@dataclass
class Preview:
    requirement: Requirement
    matched: int
    completed: int
    enrolled: int
    due_changes: int
    obliged: int
    messages: int
    without_email: int
    due_date: datetime.date | None  # the rule's date when it is the same for everyone

    @property
    def new(self) -> int:
        return self.matched - self.completed - self.enrolled


def preview(requirement: Requirement, today: datetime.date | None = None) -> Preview:
    """What activating the requirement would do, in one query."""
    today = today or local_today()
    match_sql, match_params = rules.target_sql(requirement)
    due, due_params = rules.due_sql(requirement, today, "q")
    course_id = requirement.course_id or 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*),"
            " SUM(CASE WHEN e.completed_at IS NOT NULL THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN e.id IS NOT NULL AND e.completed_at IS NULL THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN e.id IS NOT NULL AND e.completed_at IS NULL AND (e.due_date IS NULL OR e.due_date > {due})"
            " THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN b.id IS NOT NULL THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN b.id IS NULL AND e.completed_at IS NULL THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN b.id IS NULL AND e.completed_at IS NULL AND COALESCE(u.email, '') = '' THEN 1 ELSE 0 END)"
            f" FROM ({match_sql}) q JOIN auth_user u ON u.id = q.user_id"
            " LEFT JOIN learning_enrollment e ON e.official_id = q.official_id AND e.course_id = %s"
            " LEFT JOIN training_obligation b ON b.requirement_id = %s AND b.official_id = q.official_id"
            " AND b.ended_at IS NULL",
            [*due_params, *match_params, course_id, requirement.pk or 0],
        )
        row = [int(value or 0) for value in cursor.fetchone()]
    fixed = requirement.due_rule in (Requirement.DueRule.FIXED, Requirement.DueRule.AFTER_ASSIGNMENT)
    matched, completed, enrolled, due_changes, obliged, messages, without_email = row
    return Preview(
        requirement,
        matched,
        completed,
        enrolled,
        due_changes,
        obliged,
        messages,
        without_email,
        due_date=rules.due_for(requirement, today) if fixed else None,
    )


def _refuse_unready(plan: TrainingPlan, requirements: list[Requirement] | None = None) -> dict[int, int]:
    """Refuse a plan (or these requirements of it) that cannot be assigned; otherwise how many
    officials each requirement matches, counted once for the job's progress bar too."""
    requirements = requirements if requirements is not None else list(plan.requirements.select_related("course"))
    if not requirements:
        raise TrainingError(_("Add at least one requirement before activating the plan."))
    today = local_today()
    matched: dict[int, int] = {}
    for requirement in requirements:
        label = {"course": requirement.course_title, "audience": requirement.audience}
        if requirement.course is None or not requirement.course.live:
            raise TrainingError(_("“%(course)s” is not published: it cannot be assigned.") % label)
        if requirement.due_rule == Requirement.DueRule.FIXED and requirement.due_date and requirement.due_date < today:
            raise TrainingError(
                _("The due date of “%(course)s” for %(audience)s (%(date)s) has already passed.")
                % {**label, "date": date_format(requirement.due_date, "SHORT_DATE_FORMAT")}
            )
        matched[requirement.pk] = rules.targeted(requirement).count()
        if not matched[requirement.pk]:
            raise TrainingError(_("“%(course)s” for %(audience)s matches no official.") % label)
    return matched


def activate(plan: TrainingPlan, user: "User") -> TrainingPlan:
    """Check the plan and start assigning it (a background job with a progress bar)."""
    with transaction.atomic():
        plan = TrainingPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != TrainingPlan.Status.DRAFT:
            raise TrainingError(_("This plan is not a draft any more."))
        _check_unit(user, plan.owner_unit)
        for requirement in plan.requirements.prefetch_related("units"):
            for unit in requirement.units.all():
                _check_unit(user, unit, "units")
        _start_job(plan, user, _refuse_unready(plan))
    return plan


def _start_job(plan: TrainingPlan, user: "User", matched: dict[int, int]) -> None:
    """``matched``: the officials of the requirements already counted; the others are counted here."""
    total = sum(matched.get(r.pk) or rules.targeted(r).count() for r in plan.requirements.all())
    TrainingPlan.objects.filter(pk=plan.pk).update(
        status=TrainingPlan.Status.ACTIVATING,
        activated_by=user,
        total=total,
        processed=0,
        last_error="",
        attempts=0,
        heartbeat_at=None,
        queued_at=timezone.now(),
    )
    plan.status = TrainingPlan.Status.ACTIVATING
    enqueue_on_commit(activate_plan, plan.pk)


def _progress_key(plan_id: int) -> str:
    return f"training:activation:{plan_id}"


def progress(plan: TrainingPlan) -> int:
    """Officials processed so far (the cache while the job's one transaction runs)."""
    return int(cache.get(_progress_key(plan.pk), plan.processed))


def run_activation(plan_id: int, task: Any = None) -> str | None:
    """The activation task's body: claimed, beating, swept (``lms.core.jobs``)."""
    return jobs.run(task, jobs.stage(ACTIVATION), plan_id, lambda plan: assign_plan(plan).status)


def assign_plan(plan: TrainingPlan) -> TrainingPlan:
    """Assign every requirement of the plan, in one transaction, ``TRAINING_ACTIVATION_CHUNK``
    officials per statement (the progress bar moves between them)."""
    now = timezone.now()
    step = settings.TRAINING_ACTIVATION_CHUNK
    with transaction.atomic():
        requirements = list(plan.requirements.select_related("plan", "course").order_by("pk"))
        targets = {requirement.pk: rules.target_paths(requirement) for requirement in requirements}
        # Every lock before any write, and whom to assign read only then: an import waiting for
        # these requirements syncs its officials once the plan is active, a learner waiting for an
        # enrolment counts on obligations that are there.
        for requirement in requirements:
            assignment.lock(requirement, targets[requirement.pk])
        done = 0
        for requirement in requirements:
            paths = targets[requirement.pk]
            ids = rules.targeted(requirement, paths=paths).order_by().values_list("pk", flat=True)
            bounds = sorted(ids)
            chunks = [bounds[start : start + step] for start in range(0, len(bounds), step)] or [[]]
            for number, chunk in enumerate(chunks):
                # Ranges end to end from 0 past the last id, so that whoever left the target meanwhile
                # (the officials' receivers skip an activating plan) has the obligation ended too.
                low = chunk[0] if number else 0
                high = chunks[number + 1][0] if number + 1 < len(chunks) else END_OF_IDS
                assignment.sync(
                    requirement,
                    by_id=plan.activated_by_id,
                    now=now,
                    id_range=(low, high),
                    paths=paths,
                )
                done += len(chunk)
                cache.set(_progress_key(plan.pk), done, 3600)
        TrainingPlan.objects.filter(jobs.still_held(plan)).update(
            status=TrainingPlan.Status.ACTIVE,
            activated_at=plan.activated_at or now,
            processed=done,
            total=max(done, plan.total),
            heartbeat_at=None,
        )
    cache.delete(_progress_key(plan.pk))
    plan.refresh_from_db()
    return plan


def fail_activation(plan_id: int, reason: str) -> None:
    """The job failed: nothing was assigned (one transaction); a draft stays a draft, a plan that
    was gaining a requirement stays active."""
    plan = TrainingPlan.objects.filter(pk=plan_id).first()
    if plan is None:
        return
    back = TrainingPlan.Status.ACTIVE if plan.activated_at else TrainingPlan.Status.DRAFT
    TrainingPlan.objects.filter(pk=plan_id, status=TrainingPlan.Status.ACTIVATING).update(
        status=back, last_error=str(reason), heartbeat_at=None
    )


def close(plan: TrainingPlan) -> TrainingPlan:
    """Close an active plan: no more assignments or reminders; its figures stay as they are."""
    updated = TrainingPlan.objects.filter(pk=plan.pk, status=TrainingPlan.Status.ACTIVE).update(
        status=TrainingPlan.Status.CLOSED, closed_at=timezone.now()
    )
    if not updated:
        raise TrainingError(_("Only an active plan can be closed."))
    plan.refresh_from_db()
    return plan


# People ----------------------------------------------------------------------------------------


@transaction.atomic
def exclude(user: "User", requirement: Requirement, official: Official, reason: str) -> Exclusion:
    """Leave a named official out of a requirement; an open obligation ends (its record stays)."""
    if not reason.strip():
        raise TrainingError(_("Give the reason for leaving this official out."), "reason")
    if requirement.plan.status == TrainingPlan.Status.CLOSED:
        raise TrainingError(_("A closed plan cannot be changed."))
    _check_unit(user, official.unit, "official")
    exclusion, _created = Exclusion.objects.get_or_create(
        requirement=requirement, official=official, defaults={"reason": reason.strip(), "created_by": user}
    )
    assignment.sync(requirement, [official.pk])
    return exclusion


@transaction.atomic
def include_again(requirement: Requirement, exclusion: Exclusion) -> None:
    if requirement.plan.status == TrainingPlan.Status.CLOSED:
        raise TrainingError(_("A closed plan cannot be changed."))
    official_id = exclusion.official_id
    exclusion.delete()
    assignment.sync(requirement, [official_id])


@transaction.atomic
def extend(user: "User", obligation: Obligation, due_date: datetime.date, reason: str) -> Extension:
    """Give one official a new due date for one obligation, with the reason; recorded."""
    obligation = (
        Obligation.objects.select_for_update(of=("self",))
        .select_related("official__unit", "plan")
        .get(pk=obligation.pk)
    )
    _check_unit(user, obligation.official.unit, "due_date")
    if obligation.plan.status == TrainingPlan.Status.CLOSED:  # its figures are the final report
        raise TrainingError(_("A closed plan cannot be changed."))
    # The enrolment too, before the tally is touched: a learner finishing meanwhile waits.
    list(Enrollment.objects.select_for_update(no_key=True).filter(pk=obligation.enrollment_id).values_list("pk"))
    if obligation.ended_at is not None:
        raise TrainingError(_("This obligation has ended; there is nothing to extend."))
    if not reason.strip():
        raise TrainingError(_("Give the reason for the new due date."), "reason")
    if due_date < local_today():
        raise TrainingError(_("The new due date cannot be in the past."), "due_date")
    if due_date == obligation.due_date:
        raise TrainingError(_("That is already the due date."), "due_date")
    extension = Extension.objects.create(
        obligation=obligation,
        previous_due_date=obligation.due_date,
        due_date=due_date,
        reason=reason.strip(),
        granted_by=user,
    )
    tallies.add_ids(-1, [obligation.pk])
    Obligation.objects.filter(pk=obligation.pk).update(due_date=due_date)
    tallies.add_ids(1, [obligation.pk])
    assignment.sync_enrollments([obligation.enrollment_id])
    return extension
