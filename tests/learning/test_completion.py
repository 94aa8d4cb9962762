import pytest
from django.core import mail

from lms.learning import services
from lms.learning.completion import Requirement, is_satisfied, progress_percent
from lms.learning.models import Enrollment, LessonProgress
from lms.learning.selectors import learner_course_state, learner_dashboard
from tests.factories import lesson_body, lessons_of, make_course, publish


def finish(official, lessons):
    return [services.record_lesson_done(official, lesson) for lesson in lessons]


def test_enrolling_twice_returns_the_same_enrolment(official, course):
    first = services.enrol(official, course)
    assert services.enrol(official, course) == first
    assert Enrollment.objects.count() == 1
    assert first.course_title == course.title
    assert first.source == Enrollment.Source.SELF


def test_inactive_official_cannot_enrol(official, course):
    official.is_active = False
    official.save()
    with pytest.raises(services.LearningError):
        services.enrol(official, course)
    assert not Enrollment.objects.exists()


def test_unpublished_course_cannot_be_joined(official, course):
    course.unpublish()
    course.refresh_from_db()
    with pytest.raises(services.LearningError):
        services.enrol(official, course)


def test_lesson_cannot_be_marked_without_enrolment(official, course):
    with pytest.raises(services.LearningError):
        services.record_lesson_done(official, lessons_of(course)[0])
    assert not LessonProgress.objects.exists()


def test_course_completes_when_every_required_lesson_is_done(official, course, django_capture_on_commit_callbacks):
    official.user.email = "hanh@example.test"
    official.user.save()
    services.enrol(official, course)
    lessons = lessons_of(course)
    with django_capture_on_commit_callbacks(execute=True):
        results = finish(official, lessons)
    assert [r.newly_completed for r in results] == [False, False, True]
    enrollment = Enrollment.objects.get()
    assert enrollment.completed_at is not None
    assert enrollment.last_lesson_id == lessons[-1].pk
    # The congratulation, then the certificate it earned (certificates listen for completions).
    assert len(mail.outbox) == 2
    assert course.title in mail.outbox[0].body and not mail.outbox[0].attachments
    assert mail.outbox[1].attachments
    assert enrollment.completion_notified_at is not None


def test_marking_a_lesson_twice_counts_once(official, course):
    services.enrol(official, course)
    lesson = lessons_of(course)[0]
    finish(official, [lesson, lesson])
    assert LessonProgress.objects.count() == 1
    state = learner_course_state(official.user, course, lessons_of(course))
    assert state.percent == 33


def test_optional_lessons_do_not_block_completion(official, catalogue):
    course = make_course(catalogue, lessons=2)
    publish(course, type(lessons_of(course)[0])(title="Đọc thêm", body=lesson_body(), is_required=False))
    services.enrol(official, course)
    required = [lesson for lesson in lessons_of(course) if lesson.is_required]
    assert finish(official, required)[-1].newly_completed


def test_unpublished_lessons_do_not_count(official, course):
    services.enrol(official, course)
    first, second, third = lessons_of(course)
    third.unpublish()
    assert finish(official, [first, second])[-1].newly_completed


def test_completion_is_not_undone_by_a_new_lesson(official, course):
    services.enrol(official, course)
    finish(official, lessons_of(course))
    publish(course, type(lessons_of(course)[0])(title="Bài bổ sung", body=lesson_body()))
    state = learner_course_state(official.user, course, lessons_of(course))
    assert state.is_complete and state.percent == 100


def test_a_course_with_no_required_lessons_never_completes_by_itself():
    assert not is_satisfied([Requirement("lessons", "Bài học", 0, 0)])
    assert progress_percent([Requirement("lessons", "Bài học", 0, 0)]) == 0


def test_progress_combines_requirements():
    requirements = [Requirement("lessons", "Bài học", 3, 4), Requirement("quiz", "Bài kiểm tra", 0, 1)]
    assert progress_percent(requirements) == 60
    assert not is_satisfied(requirements)
    assert is_satisfied([Requirement("lessons", "Bài học", 4, 4), Requirement("quiz", "Bài kiểm tra", 1, 1)])


def test_next_lesson_continues_after_the_last_one_done(official, course):
    services.enrol(official, course)
    first, second, third = lessons_of(course)
    finish(official, [second])
    state = learner_course_state(official.user, course, lessons_of(course))
    assert state.next_lesson.pk == third.pk
    finish(official, [third])
    state = learner_course_state(official.user, course, lessons_of(course))
    assert state.next_lesson.pk == first.pk


def test_records_survive_the_deletion_of_the_course_page(official, course):
    services.enrol(official, course)
    finish(official, lessons_of(course))
    course.delete()
    enrollment = Enrollment.objects.get()
    assert enrollment.course is None
    assert enrollment.completed_at is not None
    assert enrollment.course_title == "Chữ ký số chuyên dùng"
    assert LessonProgress.objects.filter(enrollment=enrollment).count() == 3
    dashboard = learner_dashboard(official.user)
    assert [row.enrollment.course_title for row in dashboard.completed] == ["Chữ ký số chuyên dùng"]


def test_dashboard_sorts_in_progress_completed_and_due(official, catalogue):
    import datetime

    from django.utils import timezone

    done = make_course(catalogue, "Đã học xong", lessons=1)
    doing = make_course(catalogue, "Đang học", lessons=2)
    due = make_course(catalogue, "Được giao", lessons=1)
    services.enrol(official, done)
    finish(official, lessons_of(done))
    services.enrol(official, doing)
    finish(official, lessons_of(doing)[:1])
    services.enrol(
        official,
        due,
        source=Enrollment.Source.ASSIGNMENT,
        due_date=timezone.localdate() + datetime.timedelta(days=3),
    )
    dashboard = learner_dashboard(official.user)
    assert [r.enrollment.course_title for r in dashboard.completed] == ["Đã học xong"]
    assert [r.enrollment.course_title for r in dashboard.in_progress] == ["Đang học", "Được giao"]
    assert [(r.enrollment.course_title, r.percent) for r in dashboard.due_soon] == [("Được giao", 0)]
    assert dashboard.in_progress[0].percent == 50


def test_sweeper_sends_completion_emails_whose_task_was_lost(official, course):
    import datetime

    from django.utils import timezone

    from lms.learning.tasks import send_pending_completion_emails

    services.enrol(official, course)
    finish(official, lessons_of(course))  # on_commit never runs inside the test transaction: the task is "lost"
    assert mail.outbox == []
    assert send_pending_completion_emails() == 0  # too recent: the task may still be on its way
    Enrollment.objects.update(completed_at=timezone.now() - datetime.timedelta(hours=1))
    assert send_pending_completion_emails() == 1
    assert len(mail.outbox) == 1
    assert send_pending_completion_emails() == 0
    assert len(mail.outbox) == 1


def test_an_unreachable_broker_does_not_break_completion(
    official, course, caplog, celery_conf, django_capture_on_commit_callbacks
):
    services.enrol(official, course)
    celery_conf(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")
    with django_capture_on_commit_callbacks(execute=True):
        result = finish(official, lessons_of(course))[-1]
    assert result.newly_completed
    assert Enrollment.objects.get().completed_at is not None
    assert Enrollment.objects.get().completion_notified_at is None
    assert "Could not enqueue lms.learning.tasks.send_completion_email" in caplog.text
