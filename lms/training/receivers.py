"""Signal receivers: thin, each hands the change to ``assignment`` or ``tallies`` inside the
sender's transaction. Rules are evaluated forward: whoever joins, is imported, moves in or gets a
matching group, position or title is assigned; whoever leaves the target has the obligation ended."""

from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_save

from . import assignment, tallies

# A save of an official that changes none of these cannot change whom a rule targets.
TARGETED_FIELDS = {"unit", "position_group", "job_position", "leadership_title", "is_active", "start_date"}


def on_official_saved(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw or (update_fields is not None and not TARGETED_FIELDS & set(update_fields)):
        return
    with transaction.atomic():
        assignment.sync_officials([instance.pk])


def on_officials_changed(sender, official_ids, **kwargs):
    with transaction.atomic():
        assignment.sync_officials(official_ids)


def on_units_changed(sender, unit_ids, **kwargs):
    from lms.people.models import Official, OrgUnit
    from lms.people.scopes import with_merged_units

    # With the closed units merged into them: an official back at work in one is targeted through
    # its successor, wherever that now stands.
    paths = with_merged_units(OrgUnit.objects.filter(pk__in=unit_ids).values_list("path", flat=True))
    if not paths:
        return
    inside = reduce(or_, (Q(unit__path__startswith=path) for path in paths))
    with transaction.atomic():  # every requirement synced once for all of them, not once per subtree
        assignment.sync_officials(Official.objects.filter(inside).values_list("pk", flat=True))


def on_enrollment_changed(sender, enrollment, before, **kwargs):
    from lms.learning.signals import EnrollmentState

    tallies.enrollment_changed(enrollment.pk, before, EnrollmentState.of(enrollment))


def connect():
    from lms.learning.signals import enrollment_changed
    from lms.people.models import Official
    from lms.people.signals import officials_changed, units_changed

    from . import services

    services.register_stages()
    post_save.connect(on_official_saved, sender=Official, dispatch_uid="training.official_saved")
    officials_changed.connect(on_officials_changed, dispatch_uid="training.officials_changed")
    units_changed.connect(on_units_changed, dispatch_uid="training.units_changed")
    enrollment_changed.connect(on_enrollment_changed, dispatch_uid="training.enrollment_changed")
