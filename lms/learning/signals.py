"""Signals sent by learning, so that higher layers can react without learning importing them.

``enrollment_completed`` is sent by ``services.complete()`` inside the completing transaction,
with ``sender=Enrollment`` and ``enrollment=<the Enrollment>``. A receiver that starts work
elsewhere (a Celery task) must defer it to the commit (``lms.celery.enqueue_on_commit``).

``enrollment_changed`` is sent by the services inside the changing transaction whenever a field
the reports count may have changed (created, lesson done, completed, reopened, due date changed),
with ``sender=Enrollment``, ``enrollment=<the Enrollment, as saved>`` and ``before=<its
EnrollmentState before the change, or None for a new enrolment>``. Consecutive sends chain: the
``before`` of one is the state the previous one left, so a receiver can apply ``after - before``.
"""

import datetime
from typing import NamedTuple

from django.dispatch import Signal

enrollment_completed = Signal()
enrollment_changed = Signal()


class EnrollmentState(NamedTuple):
    """The fields of an enrolment that reports count, frozen at one moment."""

    official_id: int
    unit_id: int | None
    course_id: int | None
    due_date: datetime.date | None
    enrolled_at: datetime.datetime | None
    cycle_started_at: datetime.datetime | None
    last_activity_at: datetime.datetime | None
    completed_at: datetime.datetime | None

    @classmethod
    def of(cls, enrollment):
        return cls(*(getattr(enrollment, name) for name in cls._fields))

# Sent by ``learning.bulk`` for enrolments written set-based (a training plan assigning thousands),
# with ``sender=Enrollment`` and ``enrollment_ids=<list of ids>``, inside the writing transaction:
# ``enrollments_added`` after new rows were inserted; ``enrollments_rewriting`` just before and
# ``enrollments_rewritten`` just after counted fields (due date, source) of existing rows change.
enrollments_added = Signal()
enrollments_rewriting = Signal()
enrollments_rewritten = Signal()
