import pytest
from django.test import Client
from django.urls import reverse

from lms.learning import services
from lms.learning.models import Enrollment, LessonProgress
from tests.factories import OfficialFactory, UserFactory, lessons_of


def enrol_url(course):
    return reverse("learning:enrol", args=[course.pk])


def done_url(lesson):
    return reverse("learning:lesson_done", args=[lesson.pk])


@pytest.mark.parametrize("name", ["learning:my_learning"])
def test_anonymous_visitors_are_sent_to_log_in(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_post_cannot_enrol(client, course):
    response = client.post(enrol_url(course))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not Enrollment.objects.exists()


def test_state_changes_need_post(learner_client, course):
    assert learner_client.get(enrol_url(course)).status_code == 405
    assert learner_client.get(done_url(lessons_of(course)[0])).status_code == 405
    assert not Enrollment.objects.exists()


def test_state_changes_need_a_csrf_token(official, course):
    client = Client(enforce_csrf_checks=True)
    client.force_login(official.user)
    assert client.post(enrol_url(course)).status_code == 403
    assert not Enrollment.objects.exists()


def test_enrol_then_work_through_every_lesson(learner_client, official, course):
    lessons = lessons_of(course)
    response = learner_client.post(enrol_url(course))
    assert response.status_code == 302 and response["Location"] == lessons[0].url
    for lesson, following in zip(lessons, [*lessons[1:], None], strict=True):
        page = learner_client.get(lesson.url).content.decode()
        assert f'action="{done_url(lesson)}"' in page
        response = learner_client.post(done_url(lesson))
        assert response.status_code == 302
        assert response["Location"] == (following.url if following else course.url)
    page = learner_client.get(course.url).content.decode()
    assert "Đã hoàn thành" in page
    assert 'value="100"' in page
    assert LessonProgress.objects.count() == 3


def test_marking_a_lesson_without_enrolment_is_refused_politely(learner_client, course):
    lesson = lessons_of(course)[0]
    response = learner_client.post(done_url(lesson), follow=True)
    assert response.status_code == 200
    assert "ghi danh" in response.content.decode().lower()
    assert not LessonProgress.objects.exists()


def test_unknown_or_unpublished_targets_are_404(learner_client, course):
    assert learner_client.post(reverse("learning:enrol", args=[999999])).status_code == 404
    lesson = lessons_of(course)[0]
    lesson.unpublish()
    assert learner_client.post(done_url(lesson)).status_code == 404


def test_account_without_official_profile_gets_a_message(client, course):
    client.force_login(UserFactory(username="khach"))
    response = client.post(enrol_url(course), follow=True)
    assert response.status_code == 200
    assert "hồ sơ" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_my_learning_shows_only_my_own_enrolments(learner_client, official, course):
    other = OfficialFactory(full_name="Trần Văn Khác")
    services.enrol(other, course)
    response = learner_client.get(reverse("learning:my_learning"))
    assert response.status_code == 200
    assert response.context["dashboard"].in_progress == []
    services.enrol(official, course)
    response = learner_client.get(reverse("learning:my_learning"))
    assert [r.enrollment.official_id for r in response.context["dashboard"].in_progress] == [official.pk]


def test_continue_goes_to_the_next_lesson_and_only_for_the_owner(learner_client, official, course):
    enrollment = services.enrol(official, course)
    first, second, _third = lessons_of(course)
    services.record_lesson_done(official, first)
    response = learner_client.get(reverse("learning:continue", args=[enrollment.pk]))
    assert response.status_code == 302 and response["Location"] == second.url
    other = OfficialFactory(full_name="Trần Văn Khác")
    others = services.enrol(other, course)
    assert learner_client.get(reverse("learning:continue", args=[others.pk])).status_code == 404


def test_login_and_logout(client, official):
    response = client.post(reverse("login"), {"username": official.user.username, "password": "Mat-khau-2026"})
    assert response.status_code == 302
    assert client.get(reverse("learning:my_learning")).status_code == 200
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("learning:my_learning")).status_code == 302


def test_failed_login_shows_a_vietnamese_error(client, official):
    response = client.post(reverse("login"), {"username": official.user.username, "password": "sai"})
    assert response.status_code == 200
    assert "mật khẩu" in response.content.decode().lower()
