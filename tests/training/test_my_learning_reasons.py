"""Why a course is assigned: "Học tập của tôi" and HR's training record show, per assigned course,
the reason (target group — plan), the due date and an overdue mark of each current obligation, in
one query whatever their number; learning asks through ``lms.learning.hooks``, never importing
training."""

import pytest
from django.urls import reverse

from lms.core.dates import today
from lms.learning import hooks
from lms.learning import services as learning
from lms.training import selectors, services
from lms.training.models import Obligation
from tests.factories import make_course
from tests.reports.test_lists import in_english
from tests.support.html import soup_of
from tests.support.people import hr_of
from tests.support.queries import count_queries
from tests.training.world import activated, build_world, days

REASON = "Lãnh đạo cấp xã — Kế hoạch bồi dưỡng kỹ năng số năm 2026"


@pytest.fixture
def world(catalogue):
    return build_world(catalogue)


@pytest.fixture
def activate(django_capture_on_commit_callbacks):
    return lambda world, plan: activated(world, plan, django_capture_on_commit_callbacks)


def notes_on_my_learning(client, official):
    in_english(client).force_login(official.user)
    page = soup_of(client.get(reverse("learning:my_learning")))
    section = page.find("h2", id="progress-title").parent
    return {
        item.h3.get_text(strip=True): [
            " ".join(note.get_text(" ", strip=True).split()) for note in item.select(".obligation-note")
        ]
        for item in section.select("li.enrollment")
    }


def test_my_learning_says_why_and_by_when(client, world, activate):
    leader = world.official(group=world.leaders)
    plan = world.plan()
    world.requirement(plan)
    activate(world, plan)
    due = (today() + days(30)).strftime("%d/%m/%Y")
    assert notes_on_my_learning(client, leader) == {
        "Chữ ký số chuyên dùng": [f"Assigned under: {REASON} · Due by {due}"]
    }


def test_each_current_obligation_is_a_note_with_its_overdue_mark(client, world, activate, catalogue):
    leader = world.official(group=world.leaders)
    first = world.plan()
    world.requirement(first)
    activate(world, first)
    second = world.plan(name="Kế hoạch của xã Sơn Hà", owner_unit=world.commune_a)
    world.requirement(second, audience="Công chức một cửa", mandatory=False)
    activate(world, second)
    Obligation.objects.filter(plan=first).update(due_date=today() - days(2))
    notes = notes_on_my_learning(client, leader)["Chữ ký số chuyên dùng"]
    late = (today() - days(2)).strftime("%d/%m/%Y")
    due = (today() + days(30)).strftime("%d/%m/%Y")
    assert notes == [
        f"Overdue · Assigned under: {REASON} · Due by {late}",
        f"Assigned under: Công chức một cửa — Kế hoạch của xã Sơn Hà · Due by {due} · recommended",
    ]


def test_an_extension_is_marked_and_an_ended_or_closed_obligation_is_not_shown(client, world, activate):
    leader = world.official(group=world.leaders)
    plan = world.plan()
    world.requirement(plan)
    activate(world, plan)
    later = today() + days(80)
    services.extend(world.hr, Obligation.objects.get(official=leader), later, "Đi học dài hạn")
    notes = notes_on_my_learning(client, leader)["Chữ ký số chuyên dùng"]
    assert notes == [f"Assigned under: {REASON} · Due by {later.strftime('%d/%m/%Y')} (extended)"]
    services.close(plan)
    assert notes_on_my_learning(client, leader) == {"Chữ ký số chuyên dùng": []}


def test_a_self_enrolment_has_no_reason(client, world):
    official = world.official()
    learning.enrol(official, world.course)
    assert notes_on_my_learning(client, official) == {"Chữ ký số chuyên dùng": []}


def test_my_learning_costs_the_same_queries_however_many_obligations(client, world, activate, catalogue):
    leader = world.official(group=world.leaders)
    plan = world.plan()
    world.requirement(plan)
    activate(world, plan)
    client.force_login(leader.user)
    before = count_queries(client, reverse("learning:my_learning"))
    more = world.plan(name="Kế hoạch thứ hai")
    for number in range(4):
        world.requirement(more, course=make_course(catalogue, title=f"Khóa {number}", lessons=1))
    world.requirement(more, audience="Cán bộ cấp xã")  # the same course a second time
    activate(world, more)
    assert Obligation.objects.filter(official=leader).count() == 6
    assert count_queries(client, reverse("learning:my_learning")) == before


def test_the_notes_are_one_query_through_the_hook(world, activate, django_assert_num_queries):
    leader = world.official(group=world.leaders)
    plan = world.plan()
    world.requirement(plan)
    activate(world, plan)
    enrollment_id = Obligation.objects.get(official=leader).enrollment_id
    assert selectors.enrollment_notes in hooks._enrollment_notes
    with django_assert_num_queries(1):
        notes = hooks.enrollment_notes([enrollment_id])
    assert notes[enrollment_id][0]["reason"] == REASON
    with django_assert_num_queries(0):
        assert hooks.enrollment_notes([]) == {}


def test_hr_s_training_record_shows_the_reason_and_due_date(client, world, activate):
    leader = world.official(group=world.leaders, full_name="Lò Thị Hạnh")
    plan = world.plan()
    world.requirement(plan)
    activate(world, plan)
    in_english(client).force_login(hr_of(world.commune_a))
    response = client.get(reverse("reports:transcript", args=[leader.pk]))
    cell = soup_of(response).find("h2", id="transcript-courses").find_next("table").select_one("tbody th")
    due = (today() + days(30)).strftime("%d/%m/%Y")
    assert " ".join(cell.get_text(" ", strip=True).split()) == (
        f"Chữ ký số chuyên dùng Assigned under: {REASON} · Due by {due}"
    )
