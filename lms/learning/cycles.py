"""Which training records count for an enrolment's current cycle.

An enrolment starts in cycle 1 with no start date: everything counts. Recertification reopens it
as a new cycle from a date, after which only lessons done and tests passed since then count. The
records of earlier cycles stay, for the history and the reports.
"""

from django.db.models import F, Q


def in_current_cycle(moment_field, enrollment="enrollment"):
    """Q for rows (lesson progress, quiz attempts) made in their enrolment's current cycle."""
    started = f"{enrollment}__cycle_started_at"
    return Q(**{f"{started}__isnull": True}) | Q(**{f"{moment_field}__gte": F(started)})
