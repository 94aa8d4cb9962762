"""Which training plans a user may open: one rule for the plan pages, their progress and the API.

An administrator sees every plan; an HR user (or a read-only unit head) the plans whose owning unit
lies in their read scope, and the activated plans (not drafts) one of whose requirements targets a
subtree overlapping their scope: a unit inside it, or a unit above it (a province's plan for every
commune is visible to each commune's HR). Anyone else sees none. Whatever the plan, what a page
shows of its people is only the officials in the viewer's scope; managing a plan (editing,
activating, excluding, extending) needs its owning unit in the managing scope
(``selectors.can_manage``).
"""

from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from lms.people.models import OrgUnit
from lms.people.scopes import scope_for

from .models import Requirement, TrainingPlan

if TYPE_CHECKING:
    from lms.people.scopes import AnyUser

STEPLEN: int = OrgUnit.steplen


def ancestor_paths(path: str) -> list[str]:
    """The materialised paths of the units above ``path``, from the root down."""
    return [path[:end] for end in range(STEPLEN, len(path), STEPLEN)]


def visible_plans(user: "AnyUser") -> QuerySet[TrainingPlan]:
    """The plans ``user`` may open (see the module's docstring), with their owning unit."""
    scope = scope_for(user)
    plans = TrainingPlan.objects.select_related("owner_unit")
    if scope.everything:
        return plans
    if not scope.read_paths:
        return plans.none()
    overlapping = reduce(
        or_,
        (Q(units__path__startswith=path) | Q(units__path__in=ancestor_paths(path)) for path in scope.read_paths),
    )
    targeting = Requirement.objects.filter(overlapping).values("plan_id")
    return plans.filter(
        scope.units_q(prefix="owner_unit__") | (Q(pk__in=targeting) & ~Q(status=TrainingPlan.Status.DRAFT))
    )
