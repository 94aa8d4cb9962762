"""HR creates a plan for the leaders of Xã Sơn Hà due in 30 days, previews it (the count is right)
and activates it; a leader of Xã Sơn Hà logs in and finds the course with its due date, its reason
and the bell's count."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.utils.formats import date_format

from lms.core.dates import today
from lms.notifications.models import Notification
from lms.people.models import Official, OrgUnit, Placement, PositionGroup
from lms.training.models import Obligation, TrainingPlan
from tests.factories import OfficialFactory, UserFactory
from tests.support.browser import DEMO_PASSWORD, SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COURSE = "Thư điện tử công vụ"


def leader_of_son_ha():
    unit = OrgUnit.objects.get(code="MS-X-SONHA")
    user = UserFactory(username="chutich_sonha", email="chutich@minhson.example", password=DEMO_PASSWORD)
    official = OfficialFactory(
        user=user,
        full_name="Hà Văn Thắng",
        employee_code="SH-LD-001",
        unit=unit,
        position_group=PositionGroup.objects.get(code="lanh-dao"),
    )
    Placement.objects.create(official=official, unit=unit, started_on=datetime.date(2025, 7, 1))
    return official


def choose(page, select, text):
    """Select the option of ``select`` whose label contains ``text`` (labels carry tree dashes)."""
    value = page.locator(f"{select} option", has_text=text).first.get_attribute("value")
    page.locator(select).select_option(value=value)


def test_hr_plans_and_a_leader_sees_the_assignment(live_server, page):
    call_command("seed_demo", officials=0)
    leader = leader_of_son_ha()
    expected = Official.objects.filter(
        is_active=True, unit__path__startswith=leader.unit.path, position_group__code="lanh-dao"
    ).count()
    base = live_server.url
    SCREENSHOTS.mkdir(exist_ok=True)

    log_in(page, base, username="nhansu")
    page.goto(f"{base}/nhan-su/ke-hoach/")
    page.get_by_role("link", name="Tạo kế hoạch").click()
    page.locator("#id_name").fill("Kế hoạch bồi dưỡng lãnh đạo Xã Sơn Hà")
    choose(page, "#id_owner_unit", "Xã Sơn Hà")
    page.locator("form button[type=submit]").last.click()
    plan = TrainingPlan.objects.get(name="Kế hoạch bồi dưỡng lãnh đạo Xã Sơn Hà")
    page.wait_for_url(re.compile(rf"/nhan-su/ke-hoach/{plan.pk}/"))

    page.goto(f"{base}/nhan-su/ke-hoach/{plan.pk}/yeu-cau/them/")
    choose(page, "#id_course", COURSE)
    page.locator("#id_audience").fill("Lãnh đạo Xã Sơn Hà")
    choose(page, "#id_units", "Xã Sơn Hà")
    leaders = PositionGroup.objects.get(code="lanh-dao")
    page.locator(f"input[name=position_groups][value='{leaders.pk}']").check()
    page.locator("input[name=due_rule][value=after_assignment]").check()
    page.locator("#id_due_days").fill("30")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(rf"/nhan-su/ke-hoach/{plan.pk}/$"))
    assert plan.requirements.count() == 1

    page.get_by_role("link", name="Xem trước").first.click()
    summary = page.locator("main").inner_text()
    assert f"{expected} cán bộ" in summary, summary
    page.screenshot(path=SCREENSHOTS / "plan-preview.png", full_page=True)

    page.goto(f"{base}/nhan-su/ke-hoach/{plan.pk}/")
    page.locator(f"form[action='/nhan-su/ke-hoach/{plan.pk}/kich-hoat/'] button").click()
    page.wait_for_url(re.compile(rf"/nhan-su/ke-hoach/{plan.pk}/"))
    plan.refresh_from_db()
    assert plan.status == TrainingPlan.Status.ACTIVE, plan.last_error
    assert Obligation.objects.filter(plan=plan).count() == expected
    page.screenshot(path=SCREENSHOTS / "plan-active.png", full_page=True)

    page.context.clear_cookies()
    log_in(page, base, username="chutich_sonha")
    due = date_format(today() + datetime.timedelta(days=30), "SHORT_DATE_FORMAT")
    course_item = page.locator("li, article, tr").filter(has_text=COURSE).first
    text = course_item.inner_text()
    assert due in text, text
    assert "Lãnh đạo Xã Sơn Hà — Kế hoạch bồi dưỡng lãnh đạo Xã Sơn Hà" in page.locator("main").inner_text()
    unread = Notification.objects.filter(recipient=leader.user, read_at__isnull=True).count()
    assert unread >= 1
    assert page.locator(".bell-count").inner_text().strip() == str(unread)
    page.screenshot(path=SCREENSHOTS / "plan-leader-learning.png", full_page=True)
