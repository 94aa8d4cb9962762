from django.contrib import messages
from django.db.models import ProtectedError
from django.shortcuts import redirect
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Competency, CourseCategory, Question, TrainingContent


class CourseCategoryViewSet(SnippetViewSet):
    model = CourseCategory
    icon = "folder-open-inverse"
    list_display = ["name", "slug", "sort_order"]
    search_fields = ["name"]


class CompetencyViewSet(SnippetViewSet):
    model = Competency
    icon = "tag"
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class TrainingContentDeleteView(snippet_views.DeleteView):
    """A training content that courses belong to is refused with a message, never a 500 (PROTECT)."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ProtectedError:
            messages.error(
                self.request,
                gettext_now("“%(name)s” is the training content of some courses and cannot be deleted.")
                % {"name": self.object},
            )
            return redirect(self.index_url_name)


class TrainingContentViewSet(SnippetViewSet):
    """The training contents (nội dung bồi dưỡng) of Nghị định 171/2025/NĐ-CP that courses count towards."""

    model = TrainingContent
    icon = "list-ul"
    menu_label = _("Training contents")
    list_display = ["name", "code", "sort_order"]
    search_fields = ["name", "code"]
    delete_view_class = TrainingContentDeleteView


class QuestionIndexView(snippet_views.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("course")


class QuestionViewSet(SnippetViewSet):
    """The question banks: one per course, filtered and searched here, drawn from by its quizzes."""

    model = Question
    icon = "help"
    menu_label = _("Question banks")
    list_display = ["__str__", "course", "kind", "is_active", "updated_at"]
    list_filter = ["kind", "is_active", "course"]
    search_fields = ["prompt"]
    list_per_page = 50
    index_view_class = QuestionIndexView


class CatalogueViewSetGroup(SnippetViewSetGroup):
    items = (CourseCategoryViewSet, TrainingContentViewSet, CompetencyViewSet, QuestionViewSet)
    menu_icon = "folder-open-inverse"
    menu_label = _("Catalogue")
    menu_name = "catalogue"


register_snippet(CatalogueViewSetGroup)
