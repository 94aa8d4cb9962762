"""The training record of one official (quá trình đào tạo): every enrolment with its status, the
best score of the course's final test in the current cycle, and every certificate with its status;
on the HR page and as an A4 PDF.

``transcript(official, day=None) -> Transcript``
    Three queries, whatever the number of enrolments and certificates. The hours (số tiết) of each
    completed course and per year come from the enrolments' rows (their course joined), through
    ``lms.learning.selectors.hours_per_year``. Each assigned course says why, from its current
    obligations (plan, reason, due date: ``lms.training.selectors.enrollment_notes``), in one
    more query when any enrolment was assigned. Statuses are those of
    ``records.statuses`` (as the dashboard counts them), an overdue enrolment shown as overdue
    rather than in progress or not started; certificate statuses are
    ``certificates.verification.certificate_status``.
``transcript_pdf(official, day=None) -> bytes``
    The PDF, in the active language, through ``lms.core.pdf.html_to_pdf``, which
    embeds the DejaVu fonts (Vietnamese needs them: Helvetica has no glyphs for it). Raises
    ``lms.core.pdf.RenderError`` if xhtml2pdf fails.
"""

from dataclasses import dataclass, field

from django.db.models import Case, F, Max, Q, Value, When
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from content.models import QuizPage
from lms.certificates.models import Certificate
from lms.certificates.verification import certificate_status
from lms.core.dates import today
from lms.core.pdf import html_to_pdf
from lms.learning.models import Enrollment, QuizAttempt
from lms.learning.selectors import completed_hours, hours_per_year
from lms.training.selectors import enrollment_notes

from . import records

PDF_TEMPLATE = "reports/transcript_pdf.html"

STATUS_LABELS = {
    "completed": _("Completed"),
    "overdue": _("Overdue"),
    "in_progress": _("In progress"),
    "not_started": _("Not started"),
}


@dataclass
class Line:
    enrollment: Enrollment
    status: str
    best_score: object  # Decimal percentage, or None without a graded final test this cycle
    notes: list = field(default_factory=list)  # why it is assigned: [{plan, reason, due_date, …}]

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]

    @property
    def hours(self):
        """The hours the completed course counts for (0 if it was deleted); None while open."""
        return completed_hours(self.enrollment) if self.enrollment.is_complete else None


@dataclass
class Transcript:
    official: object
    day: object
    lines: list
    certificates: list  # [(Certificate, verification.Status)], newest first
    hours_per_year: list  # [lms.learning.selectors.YearHours], newest year first


def _status(day):
    """The status of an enrolment as one value, the overdue before in progress and not started."""
    statuses = records.statuses(day)
    return Case(
        *(When(statuses[name], then=Value(name)) for name in ("completed", "overdue", "in_progress")),
        default=Value("not_started"),
    )


def best_final_scores(official):
    """``{enrolment id: best score}`` of the submitted final tests of each enrolment's current
    cycle: one query."""
    this_cycle = Q(enrollment__cycle_started_at__isnull=True) | Q(submitted_at__gte=F("enrollment__cycle_started_at"))
    attempts = QuizAttempt.objects.filter(
        this_cycle,
        enrollment__official=official,
        quiz__kind=QuizPage.Kind.FINAL,
        submitted_at__isnull=False,
        score__isnull=False,
    )
    return dict(
        attempts.values("enrollment_id").annotate(best=Max("score")).order_by().values_list("enrollment_id", "best")
    )


def transcript(official, day=None):
    day = day or today()
    enrollments = Enrollment.objects.filter(official=official).select_related("course").annotate(status=_status(day))
    scores = best_final_scores(official)
    lines = [
        Line(enrollment, enrollment.status, scores.get(enrollment.pk))
        for enrollment in enrollments.order_by("enrolled_at", "pk")
    ]
    notes = enrollment_notes(line.enrollment.pk for line in lines)  # one query, whatever the sources
    for line in lines:
        line.notes = notes.get(line.enrollment.pk, [])
    certificates = Certificate.objects.filter(official=official).order_by("-issued_on", "-year", "-number", "-revision")
    return Transcript(
        official=official,
        day=day,
        lines=lines,
        certificates=[(certificate, certificate_status(certificate, day)) for certificate in certificates],
        hours_per_year=hours_per_year(line.enrollment for line in lines),
    )


def transcript_pdf(official, day=None):
    html = render_to_string(PDF_TEMPLATE, {"transcript": transcript(official, day), "pdf": True})
    meta = {"title": str(_("Training record")), "subject": official.full_name}
    return html_to_pdf(html, f"the training record of official {official.pk}", meta)
