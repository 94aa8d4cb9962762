"""A page's number of SQL queries must not grow with lessons, enrolments or courses."""

import pytest
from django.urls import reverse

from lms.learning import services
from tests.factories import OfficialFactory, lessons_of, make_course
from tests.support.queries import count_queries


def learner_with_course(client, catalogue, lessons, done):
    official = OfficialFactory()
    client.force_login(official.user)
    course = make_course(catalogue, f"Khóa {lessons} bài", lessons=lessons)
    services.enrol(official, course)
    for lesson in lessons_of(course)[:done]:
        services.record_lesson_done(official, lesson)
    return official, course


@pytest.mark.parametrize("page", ["course", "lesson"])
def test_course_and_lesson_pages_are_flat_in_the_number_of_lessons(client, catalogue, page):
    counts = []
    for lessons in (3, 30):
        _official, course = learner_with_course(client, catalogue, lessons, done=lessons - 1)
        url = course.url if page == "course" else lessons_of(course)[1].url
        counts.append(count_queries(client, url))
    assert counts[0] == counts[1], counts


def test_my_learning_is_flat_in_the_number_of_enrolments(client, catalogue):
    counts = []
    courses = [make_course(catalogue, f"Khóa {n}", lessons=2) for n in range(50)]
    for enrolments in (1, 50):
        official = OfficialFactory()
        client.force_login(official.user)
        for number, course in enumerate(courses[:enrolments]):
            services.enrol(official, course)
            if number % 2:
                for lesson in lessons_of(course):
                    services.record_lesson_done(official, lesson)
            else:
                services.record_lesson_done(official, lessons_of(course)[0])
        counts.append(count_queries(client, reverse("learning:my_learning")))
    assert counts[0] == counts[1], counts


def test_catalogue_is_flat_in_the_number_of_courses(client, catalogue):
    official = OfficialFactory()
    client.force_login(official.user)
    counts = []
    for total in (2, 12):
        while catalogue.get_children().count() < total:
            course = make_course(catalogue, f"Khóa {catalogue.get_children().count()}", lessons=1)
            services.enrol(official, course)
        counts.append(count_queries(client, catalogue.url))
    assert counts[0] == counts[1], counts
