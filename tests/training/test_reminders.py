"""Reminders of training obligations over two months of a controlled clock: every message once, on its
day, one e-mail per person per day, nothing for the completed, the closed or the inactive."""

import datetime
import io
import re
from collections import Counter, defaultdict

import pytest
from django.core import mail
from django.core.management import call_command

from lms.learning import services as learning
from lms.notifications import registry
from lms.notifications import services as notifications
from lms.notifications.models import EmailStatus, Notification
from lms.training import reminders, services
from lms.training.models import Obligation, Requirement
from tests.factories import make_course
from tests.training import clock as controlled
from tests.training.world import activated, build_world, days

D0 = datetime.date(2026, 3, 2)  # a Monday
FIXED = 40  # the fixed due date: D0 + 40
RELATIVE = 30  # the relative one: 30 days after being assigned on D0


@pytest.fixture
def world(catalogue):
    return build_world(catalogue)


@pytest.fixture
def clock(monkeypatch):
    return controlled.install(monkeypatch)


@pytest.fixture
def activate(django_capture_on_commit_callbacks):
    return lambda world, plan: activated(world, plan, django_capture_on_commit_callbacks)


def ledger(topic="obligation"):
    """{(official name, course, trigger, day offset from D0)} of the ledger, as a Counter."""
    obligations = {o.pk: o for o in Obligation.objects.select_related("official", "requirement")}
    rows = Notification.objects.filter(topic=topic)
    return Counter(
        (
            obligations[n.object_id].official.full_name,
            obligations[n.object_id].requirement.course_title,
            n.trigger,
            (n.day - D0).days,
        )
        for n in rows
    )


def expected(name, course, due, *, until=None, assigned=True):
    """The messages of an obligation due on D0 + ``due`` over days 0…59 (up to day ``until``)."""
    rows = [("assigned", 0)] if assigned else []
    rows += [("due_soon", due - 14), ("due_soon", due - 3), ("due_today", due)]
    rows += [("overdue", day) for day in range(due + 7, 60, 7)]
    return Counter((name, course, trigger, day) for trigger, day in rows if until is None or day <= until)


def test_two_months_of_reminders(world, activate, catalogue, clock):
    clock.at(D0)
    second = make_course(catalogue, title="Quản lý văn bản điều hành", lessons=2)
    third = make_course(catalogue, title="Hộ tịch điện tử", lessons=2)
    fourth = make_course(catalogue, title="Dịch vụ công trực tuyến", lessons=2)
    anh = world.official(full_name="Lê Văn Anh", user__email="anh@example.vn")
    binh = world.official(full_name="Trần Thị Bình", user__email="")
    chi = world.official(full_name="Phạm Minh Chi", user__email="chi@example.vn")
    dung = world.official(full_name="Đỗ Văn Dũng", user__email="dung@example.vn")
    em = world.official(unit=world.commune_b, full_name="Hoàng Thị Em", user__email="em@example.vn")
    plan = world.plan()
    fixed = {"due_rule": Requirement.DueRule.FIXED, "due_date": D0 + days(FIXED), "units": [world.commune_a]}
    world.requirement(plan, **fixed)
    world.requirement(plan, course=second, units=[world.commune_a], due_days=RELATIVE)
    world.requirement(plan, course=third, **fixed)
    activate(world, plan)
    other = world.plan(name="Kế hoạch của xã Hòa Bình")
    world.requirement(other, course=fourth, units=[world.commune_b], due_rule="fixed", due_date=D0 + days(20))
    activate(world, other)

    mails_by_day = {}
    for offset in range(60):
        day = D0 + days(offset)
        clock.at(day)
        if offset == 5:
            services.close(other)
        if offset == 12:
            dung.is_active = False
            dung.save()
        if offset == 20:
            for lesson in second.lessons():
                learning.record_lesson_done(chi, lesson)
        before = len(mail.outbox)
        result = notifications.run_day(day)
        assert result["day"] == day
        mails_by_day[offset] = mail.outbox[before:]
        again = notifications.run_day(day)  # the same day twice: nothing new
        assert again["recorded"][reminders.SOURCE] == 0 and again["sent"] == 0

    course, titles = world.course.title, [world.course.title, second.title, third.title]
    full = {name: Counter() for name in ("Lê Văn Anh", "Trần Thị Bình", "Phạm Minh Chi")}
    for name in full:
        full[name] = expected(name, course, FIXED) + expected(name, third.title, FIXED)
        full[name] += expected(name, second.title, RELATIVE, until=16 if name == "Phạm Minh Chi" else None)
    dung_rows = Counter(("Đỗ Văn Dũng", title, "assigned", 0) for title in titles)
    em_rows = Counter([("Hoàng Thị Em", fourth.title, "assigned", 0)])
    assert ledger() == full["Lê Văn Anh"] + full["Trần Thị Bình"] + full["Phạm Minh Chi"] + dung_rows + em_rows

    # One e-mail per person per day, on the days of their messages, listing all of them.
    received = defaultdict(list)
    for offset, messages in mails_by_day.items():
        per_person = Counter(message.to[0] for message in messages)
        assert all(count == 1 for count in per_person.values()), (offset, per_person)
        for message in messages:
            received[message.to[0]].append((offset, message.body))
    anh_days = sorted({day for (_n, _c, _t, day) in full["Lê Văn Anh"]})
    assert [day for day, _body in received["anh@example.vn"]] == anh_days
    assert anh_days == [0, 16, 26, 27, 30, 37, 40, 44, 47, 51, 54, 58]
    day37 = dict(received["anh@example.vn"])[37]  # two courses due soon and one overdue: one e-mail
    assert all(title in day37 for title in titles)
    assert "3 ngày" in day37 or "3 days" in day37
    assert all(title in dict(received["anh@example.vn"])[0] for title in titles)  # assigned together
    assert [day for day, _body in received["dung@example.vn"]] == [0]
    assert [day for day, _body in received["em@example.vn"]] == [0]
    chi_days = [day for day, _body in received["chi@example.vn"]]
    assert 27 not in chi_days and 30 not in chi_days and 26 in chi_days
    assert not any(second.title in body for day, body in received["chi@example.vn"] if day > 20)
    # Nobody writes to Bình, but her messages are in the ledger, marked for HR to see.
    statuses = set(Notification.objects.filter(recipient=binh.user).values_list("email_status", flat=True))
    assert statuses == {EmailStatus.NO_ADDRESS}
    assert Notification.objects.filter(recipient=anh.user, email_status=EmailStatus.SENT).count() == 20
    assert em.user.email and chi.user.email  # (reached above)


def run_days(clock, offsets, start=D0):
    """``run_day`` on each of these days (offsets from ``start``); the officials' new messages by day
    (HR's digests left out)."""
    recorded = {}
    for offset in offsets:
        day = start + days(offset)
        clock.at(day)
        before = Notification.objects.filter(topic="obligation").count()
        notifications.run_day(day)
        recorded[offset] = Notification.objects.filter(topic="obligation").count() - before
    return recorded


def triggers(official):
    return sorted(
        (n.trigger, (n.day - D0).days) for n in Notification.objects.filter(recipient=official.user, topic="obligation")
    )


def test_a_catch_up_records_the_latest_missed_reminder_once(world, activate, clock):
    clock.at(D0)
    official = world.official(user__email="hoa@example.vn")
    plan = world.plan()
    world.requirement(plan, due_rule="fixed", due_date=D0 + days(20))
    activate(world, plan)
    # Down from day 1 to day 17; at 2 days before the due date only the 3-day reminder comes.
    assert run_days(clock, [0, 18, 19, 20]) == {0: 0, 18: 1, 19: 0, 20: 1}
    assert triggers(official) == [("assigned", 0), ("due_soon", 17), ("due_today", 20)]
    # Down again for two weeks and more: one overdue reminder, of the latest week (day 34).
    assert run_days(clock, [36, 37, 38]) == {36: 1, 37: 0, 38: 0}
    assert triggers(official)[-1] == ("overdue", 34)
    assert run_days(clock, [41]) == {41: 1}
    assert triggers(official)[-1] == ("overdue", 41)


def test_a_missed_due_today_is_not_told_the_day_after(world, activate, clock):
    clock.at(D0)
    official = world.official()
    plan = world.plan()
    world.requirement(plan, due_rule="fixed", due_date=D0 + days(20))
    activate(world, plan)
    run_days(clock, [0, 6, 17, 21, 26])
    assert triggers(official) == [("assigned", 0), ("due_soon", 6), ("due_soon", 17)]
    run_days(clock, [27])
    assert triggers(official)[-1] == ("overdue", 27)


def test_offsets_are_the_plans_and_none_come_from_before_the_assignment(world, activate, clock):
    clock.at(D0)
    soon = world.official(unit=world.commune_a)
    later = world.official(unit=world.commune_b)
    plan = world.plan(reminder_days="7,1")
    world.requirement(plan, due_rule="fixed", due_date=D0 + days(5), units=[world.commune_a])
    default = world.plan(name="Kế hoạch khác")
    world.requirement(default, due_rule="fixed", due_date=D0 + days(10), units=[world.commune_b])
    activate(world, plan)
    activate(world, default)
    run_days(clock, range(12))
    # Assigned 5 days before: the 7-day reminder would have come before; the 1-day one comes.
    assert triggers(soon) == [("assigned", 0), ("due_soon", 4), ("due_today", 5)]
    # Assigned 10 days before under 14,3: no 14-day reminder, the 3-day one.
    assert triggers(later) == [("assigned", 0), ("due_soon", 7), ("due_today", 10)]


def test_a_new_due_date_brings_its_own_reminders(world, activate, clock):
    clock.at(D0)
    official = world.official()
    plan = world.plan()
    world.requirement(plan, due_rule="fixed", due_date=D0 + days(20))
    activate(world, plan)
    run_days(clock, [0, 6, 17])
    services.extend(world.hr, Obligation.objects.get(official=official), D0 + days(30), "Đi công tác")
    run_days(clock, [18, 19, 20, 27, 30])
    assert triggers(official) == [
        ("assigned", 0),
        ("due_soon", 6),
        ("due_soon", 16),
        ("due_soon", 17),
        ("due_soon", 27),
        ("due_today", 30),
    ]


@pytest.mark.parametrize(
    ("hour", "expected_day"),
    [((16, 30), None), ((17, 30), 9)],  # 23:30 on day 8 in Vietnam: nothing yet; 00:30 on day 9: it
)
def test_the_local_day_decides_around_midnight(world, activate, clock, hour, expected_day):
    clock.at(D0)
    official = world.official(user__email="hoa@example.vn")
    plan = world.plan(reminder_days="1")
    world.requirement(plan, due_rule="fixed", due_date=D0 + days(10))
    activate(world, plan)
    notifications.run_day()
    clock.utc(D0 + days(8), *hour)  # 16:30 UTC = 23:30 the same day; 17:30 UTC = 00:30 the next
    before = len(mail.outbox)
    result = notifications.run_day()
    due_soon = [(n.day - D0).days for n in Notification.objects.filter(recipient=official.user, trigger="due_soon")]
    if expected_day is None:
        assert result["day"] == D0 + days(8)
        assert due_soon == [] and len(mail.outbox) == before
    else:
        assert result["day"] == D0 + days(9)
        assert due_soon == [expected_day] and len(mail.outbox) == before + 1
        assert "1 ngày" in mail.outbox[-1].body or "1 day" in mail.outbox[-1].body


def test_due_today_at_half_past_midnight_local(world, activate, clock):
    clock.at(D0)
    official = world.official()
    plan = world.plan()
    world.requirement(plan, due_rule="fixed", due_date=D0 + days(10))
    activate(world, plan)
    clock.utc(D0 + days(9), 16, 30)  # 23:30 on day 9
    notifications.run_day()
    assert not Notification.objects.filter(recipient=official.user, trigger="due_today").exists()
    clock.utc(D0 + days(9), 17, 30)  # 00:30 on day 10, the due date
    notifications.run_day()
    assert Notification.objects.get(recipient=official.user, trigger="due_today").day == D0 + days(10)


def test_the_send_reminders_command_runs_the_training_source(world, activate, clock):
    clock.at(D0)
    official = world.official(user__email="hoa@example.vn")
    plan = world.plan()
    world.requirement(plan, due_rule="fixed", due_date=D0 + days(20))
    activate(world, plan)
    out = io.StringIO()
    call_command("send_reminders", "--today", (D0 + days(6)).strftime("%d/%m/%Y"), stdout=out)
    assert re.search(rf"{reminders.SOURCE}: 1\b", out.getvalue()), out.getvalue()
    assert triggers(official) == [("assigned", 0), ("due_soon", 6)]
    assert mail.outbox[-1].to == ["hoa@example.vn"] and world.course.title in mail.outbox[-1].body


def test_describe_gives_the_facts_and_none_once_obsolete(world, activate, catalogue, clock, django_assert_num_queries):
    clock.at(D0)
    official = world.official()
    completer = world.official()
    leaver = world.official()
    plan = world.plan()
    world.requirement(plan, due_rule="fixed", due_date=D0 + days(20))
    activate(world, plan)
    obligations = {o.official_id: o for o in Obligation.objects.all()}
    for lesson in world.course.lessons():
        learning.record_lesson_done(completer, lesson)
    leaver.is_active = False
    leaver.save()
    ids = [obligations[o.pk].pk for o in (official, completer, leaver)]
    describe = registry.topics()["obligation"]
    with django_assert_num_queries(1):
        facts = describe(ids + [999999])
    first = facts[obligations[official.pk].pk]
    assert first["course"] == world.course.title and first["plan"] == plan.name
    assert first["reason"] == f"Lãnh đạo cấp xã — {plan.name}" and first["due_date"] == D0 + days(20)
    assert first["url"] == "/hoc-tap/"
    assert facts[obligations[completer.pk].pk] is None and facts[obligations[leaver.pk].pk] is None
    assert 999999 not in facts
    services.close(plan)
    assert describe([obligations[official.pk].pk]) == {obligations[official.pk].pk: None}


def test_a_closed_plan_records_nothing(world, activate, clock):
    clock.at(D0)
    official = world.official()
    plan = world.plan()
    world.requirement(plan, due_rule="fixed", due_date=D0 + days(20))
    activate(world, plan)
    services.close(plan)
    assert sum(run_days(clock, range(40)).values()) == 0
    assert triggers(official) == [("assigned", 0)]
