from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.menus.pages import PageMenuItem

from content.models import QuizPage

from . import views_quiz_stats


@hooks.register("register_admin_urls")
def register_quiz_stats_urls():
    urls = [
        path("<int:page_id>/", views_quiz_stats.QuizStatisticsView.as_view(), name="index"),
        path("<int:page_id>/export.csv", views_quiz_stats.export, {"fmt": "csv"}, name="export_csv"),
        path("<int:page_id>/export.xlsx", views_quiz_stats.export, {"fmt": "xlsx"}, name="export_xlsx"),
    ]
    return [
        path("quiz-stats/", include((urls, views_quiz_stats.URL_NAMESPACE), namespace=views_quiz_stats.URL_NAMESPACE))
    ]


class QuizStatisticsButton(PageMenuItem):
    label = _("Statistics")
    icon_name = "table"
    url_name = f"{views_quiz_stats.URL_NAMESPACE}:index"

    def is_shown(self, user):
        return self.page.permissions_for_user(user).can_edit()


def _is_quiz(page):
    # Listings may hand over plain Page objects: the content type tells the kind without a query.
    specific_class = page.specific_class
    return specific_class is not None and issubclass(specific_class, QuizPage)


@hooks.register("register_page_header_buttons")
def quiz_statistics_header_button(page, user, view_name=None, next_url=None):
    if _is_quiz(page):
        yield QuizStatisticsButton(page=page, priority=40)


@hooks.register("register_page_listing_more_buttons")
def quiz_statistics_listing_button(page, user, next_url=None):
    if _is_quiz(page):
        yield QuizStatisticsButton(page=page, priority=45)
