"""Signal receivers: thin, each hands the change to ``maintenance`` inside the sender's transaction."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from . import maintenance

# A save of an official (of a unit) that changes none of these leaves the tallies alone.
COUNTED_OFFICIAL_FIELDS = {"unit", "position_group", "is_active"}
COUNTED_UNIT_FIELDS = {"kind", "valid_to", "successor", "path"}


def on_enrollment_changed(sender, enrollment, before, **kwargs):
    from lms.learning.signals import EnrollmentState

    with transaction.atomic():
        maintenance.enrollment_changed(before, EnrollmentState.of(enrollment))


def on_enrollment_deleted(sender, instance, **kwargs):
    from lms.learning.signals import EnrollmentState

    with transaction.atomic():
        maintenance.enrollment_changed(EnrollmentState.of(instance), None)


def on_enrollments_added(sender, enrollment_ids, **kwargs):
    with transaction.atomic():
        maintenance.enrollments_added(enrollment_ids)


def on_enrollments_rewriting(sender, enrollment_ids, **kwargs):
    maintenance.enrollments_rewritten(enrollment_ids, -1)


def on_enrollments_rewritten(sender, enrollment_ids, **kwargs):
    maintenance.enrollments_rewritten(enrollment_ids, 1)


def on_official_saved(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw or (update_fields is not None and not COUNTED_OFFICIAL_FIELDS & set(update_fields)):
        return
    with transaction.atomic():
        maintenance.reconcile_officials([instance.pk])


def on_official_deleted(sender, instance, **kwargs):
    with transaction.atomic():
        maintenance.reconcile_officials([instance.pk])


def on_officials_changed(sender, official_ids, **kwargs):
    with transaction.atomic():
        maintenance.reconcile_officials(official_ids)


def on_unit_saved(sender, instance, created, update_fields=None, raw=False, **kwargs):
    # structure announces its changes; this catches units made or edited without it (the demo
    # seed, fixtures). Tree moves and closing are raw updates: only structure's signal sees them.
    if raw or (update_fields is not None and not COUNTED_UNIT_FIELDS & set(update_fields)):
        return
    with transaction.atomic():
        if created and instance.valid_to is None and instance.successor_id is None:
            maintenance.map_new_unit(instance)  # building a tree unit by unit stays linear
        else:
            maintenance.refresh_structure()


def on_units_changed(sender, unit_ids, **kwargs):
    with transaction.atomic():
        maintenance.refresh_structure()


def on_course_deleted(sender, instance, **kwargs):
    with transaction.atomic():
        maintenance.course_deleted(instance.pk)


def connect():
    from content.models import CoursePage
    from lms.learning.models import Enrollment
    from lms.learning.signals import (
        enrollment_changed,
        enrollments_added,
        enrollments_rewriting,
        enrollments_rewritten,
    )
    from lms.people.models import Official, OrgUnit
    from lms.people.signals import officials_changed, units_changed

    enrollment_changed.connect(on_enrollment_changed, dispatch_uid="reports.enrollment_changed")
    enrollments_added.connect(on_enrollments_added, dispatch_uid="reports.enrollments_added")
    enrollments_rewriting.connect(on_enrollments_rewriting, dispatch_uid="reports.enrollments_rewriting")
    enrollments_rewritten.connect(on_enrollments_rewritten, dispatch_uid="reports.enrollments_rewritten")
    post_delete.connect(on_enrollment_deleted, sender=Enrollment, dispatch_uid="reports.enrollment_deleted")
    post_save.connect(on_official_saved, sender=Official, dispatch_uid="reports.official_saved")
    post_delete.connect(on_official_deleted, sender=Official, dispatch_uid="reports.official_deleted")
    officials_changed.connect(on_officials_changed, dispatch_uid="reports.officials_changed")
    post_save.connect(on_unit_saved, sender=OrgUnit, dispatch_uid="reports.unit_saved")
    units_changed.connect(on_units_changed, dispatch_uid="reports.units_changed")
    post_delete.connect(on_course_deleted, sender=CoursePage, dispatch_uid="reports.course_deleted")
