"""HR's weekly digest of the officials more than ``TRAINING_ESCALATE_AFTER_DAYS`` days overdue: once a
week per HR scope, about that scope's subtree only."""

import datetime
from collections import defaultdict

import pytest
from django.core import mail

from lms.learning import services as learning
from lms.notifications import registry
from lms.notifications import services as notifications
from lms.notifications.models import EmailStatus, Notification
from lms.training import reminders
from lms.training.models import Requirement
from tests.factories import make_course
from tests.support.people import hr_of
from tests.training import clock as controlled
from tests.training.world import activated, build_world, days

D0 = datetime.date(2026, 3, 2)  # a Monday


@pytest.fixture
def world(catalogue):
    return build_world(catalogue)


@pytest.fixture
def clock(monkeypatch):
    return controlled.install(monkeypatch)


@pytest.fixture
def scene(world, catalogue, clock, django_capture_on_commit_callbacks):
    """Commune A: Ân due on day 2 and Bảo due on day 4; commune B: Cường due on day 4. HR of A, a
    read-only head of A, HR of B, and the province's HR (``world.hr``)."""
    clock.at(D0)
    second = make_course(catalogue, title="Quản lý văn bản điều hành", lessons=2)
    people = {
        "an": world.official(full_name="Lê Văn Ân", group=world.civil),
        "bao": world.official(full_name="Trần Quốc Bảo", group=world.leaders),
        "cuong": world.official(unit=world.commune_b, full_name="Phạm Văn Cường", group=world.leaders),
        "hr_a": hr_of(world.commune_a, username="nhansu_xa_a", email="hr.a@example.vn"),
        "head_a": hr_of(world.commune_a, can_manage=False, username="truong_xa_a", email="head.a@example.vn"),
        "hr_b": hr_of(world.commune_b, username="nhansu_xa_b", email="hr.b@example.vn"),
        "province": world.hr,
    }
    world.hr.email = "hr.tinh@example.vn"
    world.hr.save()
    plan = world.plan()
    fixed = Requirement.DueRule.FIXED
    world.requirement(
        plan, units=[world.commune_a], position_groups=[world.civil], due_rule=fixed, due_date=D0 + days(2)
    )
    world.requirement(
        plan,
        course=second,
        units=[world.commune_a, world.commune_b],
        position_groups=[world.leaders],
        due_rule=fixed,
        due_date=D0 + days(4),
    )
    activated(world, plan, django_capture_on_commit_callbacks)
    return people


def digests():
    """{(username, unit id, Monday offset)} of the ledger's digests."""
    return sorted(
        (n.recipient.username, n.object_id, (n.day - D0).days)
        for n in Notification.objects.filter(topic="unit", trigger="overdue_digest").select_related("recipient")
    )


def test_one_weekly_digest_per_scope_about_its_own_units(world, scene, clock):
    hr_mail = {"hr.a@example.vn", "head.a@example.vn", "hr.b@example.vn", "hr.tinh@example.vn"}
    received = defaultdict(list)
    recorded = {}
    for offset in range(15):
        day = D0 + days(offset)
        clock.at(day)
        before, mails = len(digests()), len(mail.outbox)
        notifications.run_day(day)
        recorded[offset] = digests()[before:] if len(digests()) > before else []
        for message in mail.outbox[mails:]:
            if message.to[0] in hr_mail:
                received[message.to[0]].append((offset, message.body))
        assert notifications.run_day(day)["sent"] == 0

    a, b, province = world.commune_a.pk, world.commune_b.pk, world.province.pk
    # Ân is 2 days overdue on day 4 and 3 on day 5: nothing; 4 on day 6: the week's digest.
    assert digests() == sorted(
        [
            ("nhansu_xa_a", a, 0),
            ("truong_xa_a", a, 0),
            ("nhansu_tinh", province, 0),
            ("nhansu_xa_a", a, 7),
            ("truong_xa_a", a, 7),
            ("nhansu_tinh", province, 7),
            ("nhansu_xa_b", b, 7),  # Cường is 4 days overdue on day 8
            ("nhansu_xa_a", a, 14),
            ("truong_xa_a", a, 14),
            ("nhansu_tinh", province, 14),
            ("nhansu_xa_b", b, 14),
        ]
    )
    assert [day for day, _body in received["hr.a@example.vn"]] == [6, 7, 14]
    assert [day for day, _body in received["head.a@example.vn"]] == [6, 7, 14]
    assert [day for day, _body in received["hr.b@example.vn"]] == [8, 14]
    first = dict(received["hr.a@example.vn"])[6]
    assert "Lê Văn Ân" in first and "Trần Quốc Bảo" not in first  # Bảo: 2 days overdue
    assert "Phạm Văn Cường" not in first  # another commune
    monday = dict(received["hr.a@example.vn"])[7]
    assert "Lê Văn Ân" in monday and "Trần Quốc Bảo" not in monday  # 3 days: not more than 3
    assert "Trần Quốc Bảo" in dict(received["hr.a@example.vn"])[14]
    for _day, body in received["hr.b@example.vn"]:
        assert "Phạm Văn Cường" in body and "Lê Văn Ân" not in body and "Trần Quốc Bảo" not in body
    province_mail = dict(received["hr.tinh@example.vn"])[14]
    assert all(name in province_mail for name in ("Lê Văn Ân", "Trần Quốc Bảo", "Phạm Văn Cường"))


def test_the_digest_describes_the_unit_in_three_queries(world, scene, clock, django_assert_num_queries):
    clock.at(D0 + days(9))  # Ân 7 days overdue, Bảo and Cường 5
    describe = registry.topics()["unit"]
    ids = [world.commune_a.pk, world.commune_b.pk, world.province.pk, 999999]
    with django_assert_num_queries(3):
        facts = describe(ids)
    commune_a = facts[world.commune_a.pk]
    assert commune_a["unit"] == world.commune_a.name and commune_a["count"] == 2 and commune_a["days"] == 3
    assert [(item["name"], item["days_overdue"]) for item in commune_a["items"]] == [
        ("Lê Văn Ân", 7),
        ("Trần Quốc Bảo", 5),
    ]
    assert commune_a["items"][0] == {
        "name": "Lê Văn Ân",
        "unit": world.commune_a.name,
        "course": world.course.title,
        "due_date": D0 + days(2),
        "days_overdue": 7,
    }
    assert commune_a["url"] == f"/nhan-su/bao-cao/qua-han/?unit={world.commune_a.pk}"
    assert [item["name"] for item in facts[world.commune_b.pk]["items"]] == ["Phạm Văn Cường"]
    assert facts[world.province.pk]["count"] == 3 and len(facts[world.province.pk]["items"]) == 3
    assert facts.get(999999) is None  # unknown: obsolete


def test_the_digest_lists_the_first_few_and_counts_all(world, scene, clock, monkeypatch):
    assert reminders.DIGEST_ITEMS == 50
    monkeypatch.setattr(reminders, "DIGEST_ITEMS", 1)
    clock.at(D0 + days(9))
    facts = reminders.describe_units([world.commune_a.pk])[world.commune_a.pk]
    assert facts["count"] == 2 and [item["name"] for item in facts["items"]] == ["Lê Văn Ân"]


def test_a_digest_nobody_needs_any_more_is_not_sent(world, scene, clock):
    day = D0 + days(6)
    clock.at(day)
    reminders.collect(day)
    assert ("nhansu_xa_a", world.commune_a.pk, 0) in digests()
    for lesson in world.course.lessons():  # Ân catches up before the e-mail goes out
        learning.record_lesson_done(scene["an"], lesson)
    notifications.deliver(day)
    statuses = set(Notification.objects.filter(topic="unit").values_list("email_status", flat=True))
    assert statuses == {EmailStatus.OBSOLETE}
    assert not [m for m in mail.outbox if m.to[0] in ("hr.a@example.vn", "head.a@example.vn")]


def test_no_digest_for_inactive_officials_or_hr_users(world, scene, clock):
    scene["an"].is_active = False
    scene["an"].save()
    scene["hr_b"].is_active = False
    scene["hr_b"].save()
    day = D0 + days(8)  # only Bảo and Cường more than 3 days overdue… (4 on day 8)
    clock.at(day)
    reminders.collect(day)
    assert [(user, unit) for user, unit, _ in digests()] == sorted(
        [("nhansu_xa_a", world.commune_a.pk), ("truong_xa_a", world.commune_a.pk), ("nhansu_tinh", world.province.pk)]
    )
    facts = reminders.describe_units([world.commune_a.pk])[world.commune_a.pk]
    assert [item["name"] for item in facts["items"]] == ["Trần Quốc Bảo"]
