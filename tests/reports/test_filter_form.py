"""The dashboard's filter form: which choices it offers."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.learning import services
from lms.reports.forms import DashboardFilterForm
from tests.factories import make_course, placed_official


def course_choices():
    return {label for value, label in DashboardFilterForm({}).fields["course"].choices if value}


def test_drafts_are_not_offered_but_withdrawn_courses_with_records_are(catalogue, tree, groups, course):
    draft = make_course(catalogue, title="Cơ sở dữ liệu đất đai (bản nháp)")
    draft.unpublish()
    withdrawn = make_course(catalogue, title="Thư điện tử công vụ (cũ)")
    services.enrol(placed_official(tree.a, position_group=groups.staff), withdrawn)
    withdrawn.unpublish()
    assert course_choices() == {course.title, withdrawn.title}


def test_the_years_offered_are_those_of_any_enrolment_read_from_the_top_units(clock, tree, groups, course):
    services.enrol(placed_official(tree.a, position_group=groups.staff), course)  # 2025, deep in a commune
    form = DashboardFilterForm({})
    assert [value for value, _label in form.fields["year"].choices if value] == [2025]
    with CaptureQueriesContext(connection) as queries:
        list(form.years())
    (sql,) = [query["sql"] for query in queries]
    assert "depth" in sql  # only the top units' rows are read
