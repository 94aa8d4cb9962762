from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from content.models import CoursePage, LessonPage, QuizPage

from . import selectors, services
from .models import Enrollment


def _as_official(request, operation, *args):
    """Run a learning service for the logged-in official; on refusal show why and return None."""
    official = selectors.official_for(request.user)
    if official is None:
        messages.error(
            request, _("Your account is not linked to an official's profile; please contact your unit's HR officer.")
        )
        return None
    try:
        return operation(official, *args)
    except services.LearningError as error:
        messages.error(request, str(error))
        return None


@login_required
@require_GET
def my_learning(request):
    dashboard = selectors.learner_dashboard(request.user, with_notes=True)
    # Due soon (only when there is something) and in progress: the same rows, with why each is assigned.
    sections = [
        {"key": "due", "title": _("Due soon"), "rows": dashboard.due_soon, "shown": bool(dashboard.due_soon)},
        {"key": "progress", "title": _("In progress"), "rows": dashboard.in_progress, "shown": True},
    ]
    return render(request, "learning/my_learning.html", {"dashboard": dashboard, "sections": sections})


@login_required
@require_POST
def enrol(request, course_id):
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    if _as_official(request, services.enrol, course) is None:
        return redirect(course.get_url(request))
    messages.success(request, _("You are enrolled in “%(course)s”.") % {"course": course.title})
    first = course.lessons().first()
    return redirect(first.get_url(request) if first else course.get_url(request))


@login_required
@require_POST
def lesson_done(request, lesson_id):
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    result = _as_official(request, services.record_lesson_done, lesson)
    if result is None:
        return redirect(lesson.get_url(request))
    course = result.enrollment.course
    if result.newly_completed:
        messages.success(request, _("Congratulations! You have completed “%(course)s”.") % {"course": course.title})
        return redirect(course.get_url(request))
    following = lesson.get_next_siblings().live().type(LessonPage, QuizPage).first()
    return redirect(following.get_url(request) if following else course.get_url(request))


@login_required
@require_GET
def continue_learning(request, enrollment_id):
    """Send the learner to where they left off in one of their own enrolments."""
    official = selectors.official_for(request.user)
    enrollment = get_object_or_404(
        Enrollment.objects.select_related("course"), pk=enrollment_id, official=official, course__live=True
    )
    course = enrollment.course
    lessons = list(course.lessons())
    state = selectors.learner_course_state(request.user, course, lessons, list(course.quizzes()))
    target = state.next_lesson or state.next_quiz or (lessons[0] if lessons else course)
    return redirect(target.get_url(request))
