"""The official's side of a quiz: start or resume, autosave, submit, see the result. Thin: the
rules live in ``assessment``; a refusal is shown as a message (or JSON for the autosave script)."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from content.models import QuizPage

from . import assessment, selectors
from .services import LearningError
from .views import _as_official

CHOICE_FIELD = re.compile(r"^q(\d{1,3})$")
RANK_FIELD = re.compile(r"^q(\d{1,3})-(\d{1,12})$")


def answers_from_post(post):
    """Form fields → the answer mapping ``assessment`` validates. ``positions`` lists the questions
    shown on the form, so that a question whose boxes were all unticked is cleared."""
    answers = {position: [] for position in post.getlist("positions") if position.isdigit()}
    for name in post:
        if match := CHOICE_FIELD.match(name):
            answers[match[1]] = post.getlist(name)
        elif match := RANK_FIELD.match(name):
            ranks = answers.get(match[1])
            if not isinstance(ranks, dict):
                ranks = answers[match[1]] = {}
            ranks[match[2]] = post[name]
    return answers


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def quiz_start(request, quiz_id):
    quiz = get_object_or_404(QuizPage.objects.live(), pk=quiz_id)
    attempt = _as_official(request, assessment.start_attempt, quiz)
    if attempt is None:
        return redirect(quiz.get_url(request))
    return redirect("learning:attempt", attempt.pk)


@login_required
@require_GET
def attempt_page(request, attempt_id):
    official = selectors.official_for(request.user)
    try:
        attempt = assessment.own_attempt(official, attempt_id)
        if attempt.is_open and assessment.is_expired(attempt, timezone.now()):
            attempt = assessment.submit_attempt(official, attempt_id)  # time ran out while away: grade it
    except LearningError:
        raise Http404 from None
    quiz = attempt.quiz
    review = quiz.review if quiz else QuizPage.Review.SCORE_ONLY
    reveal = selectors.shows_answers(attempt, review)
    context = {
        "attempt": attempt,
        "quiz": quiz,
        "course": attempt.enrollment.course,
        "items": selectors.paper_items(attempt, reveal=reveal),
        "reveal": reveal,
        "seconds_left": assessment.seconds_left(attempt, timezone.now()),
    }
    if quiz and not attempt.is_open:
        context["quiz_state"] = selectors.learner_quiz_state(request.user, quiz)
    return render(request, "learning/attempt.html", context)


@login_required
@require_POST
def attempt_save(request, attempt_id):
    official = selectors.official_for(request.user)
    try:
        attempt = assessment.save_answers(official, attempt_id, answers_from_post(request.POST))
    except LearningError as error:
        if _wants_json(request):
            return JsonResponse({"saved": False, "error": str(error)}, status=400)
        messages.error(request, str(error))
        return redirect("learning:attempt", attempt_id)
    saved_at = date_format(timezone.localtime(attempt.answers_saved_at), "H:i:s")
    if _wants_json(request):
        return JsonResponse({"saved": True, "saved_at": saved_at})
    messages.success(request, _("Your answers were saved at %(time)s.") % {"time": saved_at})
    return redirect("learning:attempt", attempt_id)


@login_required
@require_POST
def attempt_submit(request, attempt_id):
    official = selectors.official_for(request.user)
    try:
        assessment.submit_attempt(official, attempt_id, answers_from_post(request.POST))
    except LearningError as error:
        messages.error(request, str(error))
    return redirect("learning:attempt", attempt_id)
