"""Places where apps above ``learning`` add to what it shows, without ``learning`` importing them.

``register_enrollment_notes(fn)``
    ``fn(enrollment_ids: list[int]) -> dict[int, list[dict]]`` says, per enrolment, why it is
    there: each dict has ``plan`` (the plan's name), ``reason``, ``due_date``, ``mandatory`` and
    ``extended`` (training registers its current obligations from ``TrainingConfig.ready``).
    It must cost the same queries whatever the number of ids (one, for training).
``enrollment_notes(enrollment_ids) -> dict[int, list[dict]]``
    What the registered functions say, merged; no call at all for no ids.
"""

from collections.abc import Callable, Iterable
from typing import Any

EnrollmentNotes = Callable[[list[int]], dict[int, list[dict[str, Any]]]]

_enrollment_notes: list[EnrollmentNotes] = []


def register_enrollment_notes(fn: EnrollmentNotes) -> EnrollmentNotes:
    """Register ``fn`` (once, however often an app's ``ready`` runs); returns it (a decorator)."""
    if fn not in _enrollment_notes:
        _enrollment_notes.append(fn)
    return fn


def enrollment_notes(enrollment_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    ids = sorted(set(enrollment_ids))
    notes: dict[int, list[dict[str, Any]]] = {}
    if not ids:
        return notes
    for fn in _enrollment_notes:
        for enrollment_id, items in fn(ids).items():
            notes.setdefault(enrollment_id, []).extend(items)
    return notes
