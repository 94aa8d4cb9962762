"""Wagtail admin views of a quiz's statistics: thin wrappers around ``quiz_stats``. Only users who
may edit the quiz page see them; the admin turns the refusal into its 'permission denied' redirect."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from content.models import QuizPage

from . import quiz_stats

URL_NAMESPACE = "learning_quiz_stats"
EXPORT_TYPES = {
    "csv": ("text/csv; charset=utf-8", quiz_stats.csv_bytes),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", quiz_stats.xlsx_bytes),
}


def editable_quiz(user, page_id):
    """The quiz page ``page_id`` if ``user`` may edit it; 404 for any other kind of page."""
    quiz = get_object_or_404(QuizPage, pk=page_id)
    if not quiz.permissions_for_user(user).can_edit():
        raise PermissionDenied
    return quiz


class QuizStatisticsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "learning/admin/quiz_stats.html"
    page_title = _("Statistics")
    header_icon = "table"

    def dispatch(self, request, page_id):
        self.quiz = editable_quiz(request.user, page_id)
        return super().dispatch(request, page_id)

    def get_page_subtitle(self):
        return self.quiz.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("wagtailadmin_pages:edit", args=[self.quiz.pk]), "label": self.quiz.title},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            quiz=self.quiz,
            stats=quiz_stats.quiz_statistics(self.quiz),
            csv_url=reverse(f"{URL_NAMESPACE}:export_csv", args=[self.quiz.pk]),
            xlsx_url=reverse(f"{URL_NAMESPACE}:export_xlsx", args=[self.quiz.pk]),
        )
        return context


@require_GET
def export(request, page_id, fmt):
    quiz = editable_quiz(request.user, page_id)
    content_type, render = EXPORT_TYPES[fmt]
    response = HttpResponse(render(quiz_stats.quiz_statistics(quiz)), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="thong-ke-bai-kiem-tra-{quiz.pk}.{fmt}"'
    return response
