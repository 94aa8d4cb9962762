"""HR's pages for training plans: create a plan and its requirements through the forms, preview
(in words and as a spreadsheet), activate, read the people of a requirement, extend and exclude;
refusals are messages on the page, never a 500; the pages cost the same queries however many
officials, plans or requirements there are."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from lms.core.dates import today
from lms.learning import services as learning
from lms.learning.models import Enrollment
from lms.notifications.models import EmailStatus, Notification
from lms.training import services
from lms.training.models import Exclusion, Extension, Obligation, Requirement, TrainingPlan
from tests.factories import make_unit
from tests.reports.test_lists import in_english
from tests.support.html import soup_of
from tests.support.learning import finish
from tests.support.people import hr_of
from tests.support.queries import count_queries
from tests.training.world import activated, build_world, days


@pytest.fixture
def world(catalogue):
    return build_world(catalogue)


@pytest.fixture
def hr(client, world):
    in_english(client).force_login(world.hr)
    return client


@pytest.fixture
def activate(django_capture_on_commit_callbacks):
    return lambda world, plan: activated(world, plan, django_capture_on_commit_callbacks)


def text_of(response, selector):
    return [" ".join(node.get_text(" ", strip=True).split()) for node in soup_of(response).select(selector)]


def messages_of(response):
    return text_of(response, ".messages .message")


def dmy(day):
    return day.strftime("%d/%m/%Y")


def requirement_data(world, **fields):
    return {
        "course": world.course.pk,
        "audience": "Lãnh đạo cấp xã",
        "units": [world.province.pk],
        "due_rule": Requirement.DueRule.FIXED,
        "due_date": dmy(today() + days(60)),
        "mandatory": "on",
        **fields,
    }


# Plans ------------------------------------------------------------------------------------------


def test_create_a_plan_through_the_pages(hr, world):
    form = soup_of(hr.get(reverse("training:plan_create")))
    assert form.find("input", attrs={"name": "year"})["value"] == str(today().year)
    options = [option["value"] for option in form.select("select[name=owner_unit] option")]
    assert options == [str(u.pk) for u in (world.province, world.commune_a, world.commune_b)]
    response = hr.post(
        reverse("training:plan_create"),
        {
            "name": "Kế hoạch bồi dưỡng kỹ năng số năm 2026",
            "year": 2026,
            "owner_unit": world.province.pk,
            "description": "",
            "reminder_days": "14, 3",
        },
    )
    plan = TrainingPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("training:plan_detail", args=[plan.pk])
    assert (plan.status, plan.owner_unit, plan.created_by, plan.reminder_offsets) == (
        TrainingPlan.Status.DRAFT,
        world.province,
        world.hr,
        [14, 3],
    )


def test_a_refusal_of_the_service_is_shown_on_its_field(hr, world):
    response = hr.post(
        reverse("training:plan_create"),
        {"name": "Kế hoạch", "year": 2026, "owner_unit": world.province.pk, "reminder_days": "hai tuần"},
    )
    assert response.status_code == 200
    errors = text_of(response, "#id_reminder_days_error li")
    assert errors == ["Write up to five numbers of days between 1 and 365, separated by commas, e.g. 14,3."]
    assert soup_of(response).select_one("[role=alert] a[href='#id_reminder_days']")
    assert not TrainingPlan.objects.exists()


def test_an_owning_unit_outside_the_scope_is_refused(client, world):
    in_english(client).force_login(hr_of(world.commune_a))
    response = client.post(
        reverse("training:plan_create"),
        {"name": "Kế hoạch", "year": 2026, "owner_unit": world.commune_b.pk, "reminder_days": "14"},
    )
    assert text_of(response, "#id_owner_unit_error li") == ["Choose among the units you manage."]
    assert not TrainingPlan.objects.exists()


def test_an_active_plan_keeps_its_year_and_unit(hr, world, activate):
    world.official()
    plan = world.plan()
    world.requirement(plan)
    activate(world, plan)
    response = hr.post(
        reverse("training:plan_edit", args=[plan.pk]),
        {"name": "Tên mới", "year": 2030, "owner_unit": world.commune_a.pk, "reminder_days": "7"},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.name, plan.year, plan.owner_unit, plan.reminder_days) == ("Tên mới", 2026, world.province, "7")


def test_the_list_shows_the_plans_of_the_scope_by_year(client, world):
    mine = services.create_plan(world.hr, name="Kế hoạch xã Sơn Hà", year=2026, owner_unit=world.commune_a)
    world.requirement(mine)
    services.create_plan(world.hr, name="Kế hoạch xã Hòa Bình", year=2025, owner_unit=world.commune_b)
    in_english(client).force_login(hr_of(world.commune_a))
    response = client.get(reverse("training:plan_list"))
    assert text_of(response, "table tbody th") == ["Kế hoạch xã Sơn Hà"]
    assert text_of(response, "table tbody td.num") == ["1"]
    assert text_of(response, "h2") == ["Year 2026"]
    assert soup_of(response).find("a", href=reverse("training:plan_create"))


def test_a_unit_head_reads_but_cannot_create(client, world):
    head = hr_of(world.province, can_manage=False)
    world.plan()
    in_english(client).force_login(head)
    response = client.get(reverse("training:plan_list"))
    assert text_of(response, "table tbody th") == ["Kế hoạch bồi dưỡng kỹ năng số năm 2026"]
    assert not soup_of(response).find("a", href=reverse("training:plan_create"))
    assert client.get(reverse("training:plan_create")).status_code == 403


# Requirements -----------------------------------------------------------------------------------


def test_add_a_requirement_through_the_pages(hr, world):
    plan = world.plan()
    due = today() + days(60)
    response = hr.post(
        reverse("training:requirement_add", args=[plan.pk]),
        requirement_data(
            world,
            units=[world.commune_a.pk, world.commune_b.pk],
            position_groups=[world.leaders.pk],
            leadership_titles=[world.chairman.pk],
            joined_after="01/07/2025",
            due_date=dmy(due),
            mandatory="",
        ),
    )
    assert response.status_code == 302
    requirement = Requirement.objects.get()
    assert requirement.course == world.course and requirement.audience == "Lãnh đạo cấp xã"
    assert set(requirement.units.all()) == {world.commune_a, world.commune_b}
    assert list(requirement.position_groups.all()) == [world.leaders]
    assert list(requirement.leadership_titles.all()) == [world.chairman]
    assert (requirement.joined_after, requirement.due_date, requirement.mandatory) == (
        datetime.date(2025, 7, 1),
        due,
        False,
    )
    page = hr.get(reverse("training:plan_detail", args=[plan.pk]))
    facts = text_of(page, ".requirement-facts div")
    assert "Units (with everything below) Xã Sơn Hà, Xã Hòa Bình" in facts
    assert "Job positions all" in facts
    assert f"Due date By {dmy(due)}" in facts
    assert "Kind Recommended" in facts


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"due_date": "01/01/2020"}, "due_date", "The due date has already passed."),
        ({"due_date": "31/02/2027"}, "due_date", "Type the date as dd/mm/yyyy, e.g. 31/12/2026."),
        ({"due_rule": "after_joining", "due_days": ""}, "due_days", "Give the number of days (at least 1)."),
        ({"units": []}, "units", "Choose at least one unit."),
        ({"course": "999999"}, "course", "Choose one of the published courses."),
        ({"due_rule": "someday"}, "due_rule", None),
    ],
    ids=["past date", "no such date", "no days", "no unit", "unknown course", "unknown rule"],
)
def test_a_bad_requirement_is_refused_on_its_field(hr, world, fields, field, message):
    plan = world.plan()
    response = hr.post(reverse("training:requirement_add", args=[plan.pk]), requirement_data(world, **fields))
    assert response.status_code == 200
    errors = text_of(response, f"#id_{field}_error li")
    assert errors and (message is None or errors == [message])
    assert not Requirement.objects.exists()


def test_a_unit_outside_the_scope_is_refused(client, world):
    hr_a = hr_of(world.commune_a)
    plan = services.create_plan(hr_a, name="Kế hoạch xã", year=2026, owner_unit=world.commune_a)
    in_english(client).force_login(hr_a)
    response = client.post(
        reverse("training:requirement_add", args=[plan.pk]), requirement_data(world, units=[world.commune_b.pk])
    )
    assert text_of(response, "#id_units_error li") == ["Choose among the units you manage."]
    assert not Requirement.objects.exists()


def test_edit_and_delete_a_draft_requirement(hr, world):
    plan = world.plan()
    requirement = world.requirement(plan)
    form = soup_of(hr.get(reverse("training:requirement_edit", args=[requirement.pk])))
    assert form.find("input", attrs={"name": "due_rule", "checked": True})["value"] == "after_assignment"
    response = hr.post(
        reverse("training:requirement_edit", args=[requirement.pk]),
        requirement_data(world, audience="Công chức cấp xã", due_rule="after_assignment", due_days="45"),
    )
    assert response.status_code == 302
    requirement.refresh_from_db()
    assert (requirement.audience, requirement.due_days, requirement.due_date) == ("Công chức cấp xã", 45, None)
    hr.post(reverse("training:requirement_delete", args=[requirement.pk]))
    assert not Requirement.objects.exists()


# Preview ----------------------------------------------------------------------------------------


@pytest.fixture
def previewed(world):
    """Five officials matched: one completed, two enrolled (one due earlier already), two new, one
    of whom has no e-mail address."""
    people = {name: world.official(employee_code=f"CB-{name}") for name in ("done", "going", "early", "new", "mute")}
    learning.enrol(people["done"], world.course)
    finish(people["done"], world.course)
    learning.enrol(people["going"], world.course)
    learning.enrol(people["early"], world.course)
    Enrollment.objects.filter(official=people["early"]).update(due_date=today() + days(5))
    people["mute"].user.email = ""
    people["mute"].user.save()
    plan = world.plan()
    world.requirement(plan)
    return plan, people


def test_the_preview_says_what_activating_would_do(hr, world, previewed):
    plan, _people = previewed
    response = hr.get(reverse("training:plan_preview", args=[plan.pk]))
    assert text_of(response, ".preview-figures") == [
        "Matches 5 officials; 1 already completed; 2 already enrolled (1 will get a new due date);"
        " 4 notifications will be sent; 1 without an e-mail address."
    ]
    assert not Obligation.objects.exists()


def test_the_preview_groups_thousands_the_vietnamese_way(client, world, monkeypatch):
    plan = world.plan()
    world.requirement(plan)
    monkeypatch.setattr(
        services, "preview", lambda r, day=None: services.Preview(r, 1234, 120, 300, 45, 0, 1114, 12, None)
    )
    client.force_login(world.hr)
    figures = text_of(client.get(reverse("training:plan_preview", args=[plan.pk])), ".preview-figures")[0]
    assert "1.234" in figures and "1.114" in figures and "120" in figures


def test_the_preview_spreadsheet_has_a_row_per_requirement_and_official(hr, world, previewed):
    plan, _people = previewed
    response = hr.get(reverse("training:plan_preview_xlsx", args=[plan.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"xem-truoc-ke-hoach-{plan.pk}.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("Course", "Target group", "Employee code")
    by_code = {row[2]: row for row in rows[2:]}
    assert set(by_code) == {"CB-done", "CB-going", "CB-early", "CB-new", "CB-mute"}
    later, soon = dmy(today() + days(30)), dmy(today() + days(5))
    assert by_code["CB-done"][8:] == ("already completed", None, None)
    assert by_code["CB-going"][8:] == ("already enrolled", None, later)
    assert by_code["CB-early"][8:] == ("already enrolled", soon, soon)
    assert by_code["CB-new"][8:] == ("new", None, later)
    assert by_code["CB-new"][:2] == ("Chữ ký số chuyên dùng", "Lãnh đạo cấp xã")
    assert by_code["CB-new"][4:6] == ("Xã Sơn Hà", "Công chức")


# Activation -------------------------------------------------------------------------------------


def test_activate_runs_the_job_and_the_plan_becomes_active(hr, world, previewed, django_capture_on_commit_callbacks):
    plan, people = previewed
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(reverse("training:plan_activate", args=[plan.pk]))
    assert response["Location"] == reverse("training:plan_detail", args=[plan.pk])
    plan.refresh_from_db()
    assert plan.status == TrainingPlan.Status.ACTIVE
    assert Obligation.objects.filter(plan=plan).count() == 5
    page = hr.get(response["Location"])
    assert messages_of(page) == ["The plan is being assigned to its officials."]
    assert not soup_of(page).find("progress")
    assert soup_of(page).find("form", action=reverse("training:plan_close", args=[plan.pk]))


def test_an_activating_plan_shows_its_progress_and_refreshes_itself(hr, world):
    plan = world.plan()
    TrainingPlan.objects.filter(pk=plan.pk).update(status=TrainingPlan.Status.ACTIVATING, total=40, processed=10)
    page = soup_of(hr.get(reverse("training:plan_detail", args=[plan.pk])))
    bar = page.find("progress")
    assert (bar["value"], bar["max"]) == ("10", "40")
    assert page.find("meta", attrs={"http-equiv": "refresh"})["content"] == "2"
    assert not page.find("form", action=reverse("training:plan_activate", args=[plan.pk]))
    assert not page.select("script:not([src])")


def test_a_failed_activation_shows_why(hr, world):
    plan = world.plan()
    TrainingPlan.objects.filter(pk=plan.pk).update(last_error="Máy chủ bận")
    response = hr.get(reverse("training:plan_detail", args=[plan.pk]))
    assert "Máy chủ bận" in text_of(response, "[role=alert]")[0]


def _past_date(world, plan):
    requirement = world.requirement(plan, due_rule=Requirement.DueRule.FIXED, due_date=today() + days(3))
    Requirement.objects.filter(pk=requirement.pk).update(due_date=today() - days(1))


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("past date", "The due date of “Chữ ký số chuyên dùng” for Lãnh đạo cấp xã ({date}) has already passed."),
        ("no match", "“Chữ ký số chuyên dùng” for Lãnh đạo cấp xã matches no official."),
        ("unpublished", "“Chữ ký số chuyên dùng” is not published: it cannot be assigned."),
        ("empty", "Add at least one requirement before activating the plan."),
    ],
)
def test_activation_refusals_are_messages(hr, world, case, message, django_capture_on_commit_callbacks):
    world.official()
    plan = world.plan()
    if case == "past date":
        _past_date(world, plan)
    elif case == "no match":
        world.requirement(plan, units=[world.commune_b])
    elif case == "unpublished":
        world.requirement(plan)
        world.course.unpublish()
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(reverse("training:plan_activate", args=[plan.pk]), follow=True)
    assert response.status_code == 200
    assert messages_of(response) == [message.format(date=dmy(today() - days(1)))]
    plan.refresh_from_db()
    assert plan.status == TrainingPlan.Status.DRAFT


def test_an_active_plan_can_gain_a_requirement_and_be_closed(
    hr, world, activate, catalogue, django_capture_on_commit_callbacks
):
    from tests.factories import make_course

    world.official()
    plan = world.plan()
    world.requirement(plan)
    activate(world, plan)
    other = make_course(catalogue, title="Dịch vụ công trực tuyến", lessons=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(
            reverse("training:requirement_add", args=[plan.pk]), requirement_data(world, course=other.pk)
        )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == TrainingPlan.Status.ACTIVE
    assert Obligation.objects.filter(plan=plan).count() == 2
    hr.post(reverse("training:plan_close", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == TrainingPlan.Status.CLOSED


def test_a_draft_can_be_deleted_but_not_an_active_plan(hr, world, activate):
    draft = world.plan(name="Nháp")
    response = hr.post(reverse("training:plan_delete", args=[draft.pk]), follow=True)
    assert response.redirect_chain == [(reverse("training:plan_list"), 302)]
    assert messages_of(response) == ["The draft plan “Nháp” has been deleted."]
    world.official()
    plan = world.plan()
    world.requirement(plan)
    activate(world, plan)
    response = hr.post(reverse("training:plan_delete", args=[plan.pk]), follow=True)
    assert messages_of(response) == ["Only a draft plan can be changed this way."]
    assert list(TrainingPlan.objects.all()) == [plan]


# People, extensions, exclusions -----------------------------------------------------------------


@pytest.fixture
def assigned(world, activate):
    first = world.official(full_name="Lò Thị Hạnh", employee_code="A-0001")
    second = world.official(full_name="Trần Văn Bình", unit=world.commune_b, employee_code="B-0001")
    plan = world.plan()
    requirement = world.requirement(plan)
    activate(world, plan)
    return requirement, first, second


def test_the_people_of_a_requirement_with_filters(hr, world, assigned):
    requirement, first, second = assigned
    finish(first, world.course)  # assigned: enrolled by the plan
    url = reverse("training:requirement_people", args=[requirement.pk])
    response = hr.get(url)
    assert text_of(response, ".people-table tbody th") == ["Lò Thị Hạnh A-0001", "Trần Văn Bình B-0001"]
    assert text_of(hr.get(url, {"status": "completed"}), ".people-table tbody th") == ["Lò Thị Hạnh A-0001"]
    assert text_of(hr.get(url, {"status": "not_started"}), ".people-table tbody th") == ["Trần Văn Bình B-0001"]
    assert text_of(hr.get(url, {"unit": world.commune_a.code}), ".people-table tbody th") == ["Lò Thị Hạnh A-0001"]
    assert text_of(hr.get(url, {"unit": "NOWHERE"}), ".people-table tbody tr") == ["No official matches."]
    Obligation.objects.filter(official=second).update(due_date=today() - days(1))
    assert text_of(hr.get(url, {"status": "overdue"}), ".people-table tbody th") == ["Trần Văn Bình B-0001"]


def test_an_extension_through_the_page(hr, world, assigned):
    requirement, first, _second = assigned
    obligation = Obligation.objects.get(official=first)
    back = reverse("training:requirement_people", args=[requirement.pk]) + "?status=not_started"
    new = today() + days(90)
    response = hr.post(
        reverse("training:obligation_extend", args=[obligation.pk]),
        {"due_date": dmy(new), "reason": "Đi công tác dài ngày", "next": back},
    )
    assert response["Location"] == back
    obligation.refresh_from_db()
    assert obligation.due_date == new
    extension = Extension.objects.get()
    assert (extension.reason, extension.granted_by) == ("Đi công tác dài ngày", world.hr)
    assert Enrollment.objects.get(pk=obligation.enrollment_id).due_date == new
    row = text_of(hr.get(back), ".people-table tbody tr")
    assert any(dmy(new) in line and "Lò Thị Hạnh" in line for line in row)


def test_an_extension_into_the_past_is_refused_on_the_field(hr, world, assigned):
    _requirement, first, _second = assigned
    obligation = Obligation.objects.get(official=first)
    response = hr.post(
        reverse("training:obligation_extend", args=[obligation.pk]),
        {"due_date": dmy(today() - days(2)), "reason": "Lý do"},
    )
    assert response.status_code == 200
    assert text_of(response, "#id_due_date_error li") == ["The new due date cannot be in the past."]
    assert not Extension.objects.exists()


def test_a_closed_plan_gives_no_more_extensions(hr, world, assigned):
    requirement, first, _second = assigned
    services.close(requirement.plan)
    obligation = Obligation.objects.get(official=first)
    response = hr.post(
        reverse("training:obligation_extend", args=[obligation.pk]),
        {"due_date": dmy(today() + days(9)), "reason": "Lý do"},
    )
    assert response.status_code == 200
    assert "A closed plan cannot be changed." in text_of(response, "[role=alert] li")
    people = soup_of(hr.get(reverse("training:requirement_people", args=[requirement.pk])))
    assert not people.select("details form")
    assert not Extension.objects.exists()


def test_exclusion_and_inclusion_through_the_page(hr, world, assigned):
    requirement, first, _second = assigned
    url = reverse("training:requirement_exclude", args=[requirement.pk])
    response = hr.post(url, {"official": first.pk, "reason": "Nghỉ thai sản"})
    assert response.status_code == 302
    exclusion = Exclusion.objects.get()
    assert (exclusion.official, exclusion.reason) == (first, "Nghỉ thai sản")
    assert Obligation.objects.get(official=first).ended_at is not None
    people = hr.get(reverse("training:requirement_people", args=[requirement.pk]))
    assert text_of(people, ".people-table tbody th") == ["Trần Văn Bình B-0001"]
    assert "Nghỉ thai sản" in text_of(people, "#excluded-title ~ div table tbody tr")[0]
    hr.post(reverse("training:requirement_include", args=[requirement.pk, exclusion.pk]))
    assert not Exclusion.objects.exists()
    assert Obligation.objects.get(official=first).ended_at is None


def test_an_exclusion_by_employee_code_and_its_refusals(hr, world, assigned):
    requirement, first, _second = assigned
    url = reverse("training:requirement_exclude", args=[requirement.pk])
    response = hr.post(url, {"employee_code": "KHONG-CO", "reason": "Lý do"})
    assert text_of(response, "#id_employee_code_error li") == [
        "No official with this employee code in the units you manage."
    ]
    response = hr.post(url, {"employee_code": "A-0001", "reason": ""})
    assert text_of(response, "#id_reason_error li")
    assert not Exclusion.objects.exists()
    assert hr.post(url, {"employee_code": "A-0001", "reason": "Biệt phái"}).status_code == 302
    assert Exclusion.objects.get().official == first


def test_another_units_hr_cannot_touch_an_official_outside_their_scope(client, world, assigned):
    requirement, first, second = assigned
    province_plan_hr = hr_of(world.province, can_manage=False)
    # Manages commune B only, reads the province: sees the plan, cannot change commune A's official.
    from lms.people.models import HRScope

    HRScope.objects.create(user=province_plan_hr, unit=world.commune_b, can_manage=True)
    client.force_login(province_plan_hr)
    obligation = Obligation.objects.get(official=first)
    assert client.get(reverse("training:requirement_people", args=[requirement.pk])).status_code == 200
    extend = reverse("training:obligation_extend", args=[obligation.pk])
    assert client.post(extend, {"due_date": dmy(today() + days(9)), "reason": "x"}).status_code == 404
    exclude = reverse("training:requirement_exclude", args=[requirement.pk])
    assert client.post(exclude, {"official": first.pk, "reason": "x"}).status_code == 403  # the plan is not theirs
    assert not Extension.objects.exists() and not Exclusion.objects.exists()


def test_the_officials_who_could_not_be_emailed(hr, world, assigned):
    requirement, first, second = assigned
    obligation = Obligation.objects.get(official=first)
    Notification.objects.filter(recipient=first.user, topic="obligation", object_id=obligation.pk).update(
        email_status=EmailStatus.NO_ADDRESS
    )
    Notification.objects.create(
        recipient=second.user,
        topic="certificate",
        object_id=1,
        trigger="certificate_expiry",
        day=today(),
        email_status=EmailStatus.NO_ADDRESS,
    )  # not about this plan
    plan = requirement.plan
    detail = soup_of(hr.get(reverse("training:plan_detail", args=[plan.pk])))
    url = reverse("training:plan_not_emailed", args=[plan.pk])
    assert detail.find("a", href=url)
    response = hr.get(url)
    assert text_of(response, "table tbody tr") == [f"Lò Thị Hạnh A-0001 Xã Sơn Hà {first.user.email} No e-mail address"]


# Queries ----------------------------------------------------------------------------------------


def test_the_pages_cost_the_same_queries_however_much_there_is(client, world, activate):
    client.force_login(world.hr)
    first = world.official()
    plan = world.plan()
    requirement = world.requirement(plan)
    activate(world, plan)
    Notification.objects.filter(recipient=first.user).update(email_status=EmailStatus.NO_ADDRESS)
    urls = {
        "list": reverse("training:plan_list"),
        "detail": reverse("training:plan_detail", args=[plan.pk]),
        "people": reverse("training:requirement_people", args=[requirement.pk]),
        "not emailed": reverse("training:plan_not_emailed", args=[plan.pk]),
    }
    before = {name: count_queries(client, url) for name, url in urls.items()}
    hamlet = make_unit(world.commune_a, name="Thôn Một", code="THON-1")
    others = [world.official(unit=(hamlet, world.commune_b)[n % 2], group=world.leaders) for n in range(6)]
    services.exclude(world.hr, requirement, others[0], "Nghỉ thai sản")
    services.extend(world.hr, Obligation.objects.get(official=others[1]), today() + days(99), "Ốm dài ngày")
    Notification.objects.filter(topic="obligation").update(email_status=EmailStatus.INACTIVE)
    services.create_plan(world.hr, name="Kế hoạch khác", year=2025, owner_unit=world.commune_a)
    services.create_plan(world.hr, name="Kế hoạch nữa", year=2027, owner_unit=world.commune_b)
    assert Obligation.objects.current().count() == 6  # forward assignment, one left out
    after = {name: count_queries(client, url) for name, url in urls.items()}
    assert after == before


def test_a_plan_costs_the_same_queries_however_many_requirements(client, world, catalogue):
    from tests.factories import make_course

    client.force_login(world.hr)
    small, large = world.plan(name="Một yêu cầu"), world.plan(name="Bốn yêu cầu")
    world.requirement(small)
    for number in range(4):
        course = make_course(catalogue, title=f"Khóa {number}", lessons=1)
        world.requirement(
            large,
            course=course,
            units=[world.commune_a, world.commune_b],
            position_groups=[world.leaders, world.civil],
            leadership_titles=[world.chairman],
            job_positions=[world.clerk],
        )
    counts = [count_queries(client, reverse("training:plan_detail", args=[p.pk])) for p in (small, large)]
    assert counts[0] == counts[1], counts


# A province's plan seen from one of its communes ------------------------------------------------


def test_a_commune_s_hr_reads_the_province_s_plan_and_only_its_own_people(client, world, assigned, activate):
    """The plan pages, their progress and the API share one rule (``visibility``): the HR of a
    commune opens the active plan of the province that targets it, reads only its own officials,
    cannot preview the whole target nor change anything; the province's draft stays hidden."""
    requirement, first, second = assigned
    plan = requirement.plan
    draft = world.plan(name="Bản nháp của tỉnh")
    world.requirement(draft)
    in_english(client).force_login(hr_of(world.commune_b, username="nhansu_hoabinh"))
    listed = client.get(reverse("training:plan_list"))
    assert plan.name in listed.text
    assert draft.name not in listed.text
    detail = client.get(reverse("training:plan_detail", args=[plan.pk]))
    assert detail.status_code == 200
    assert text_of(detail, "p.note") == [
        "This plan belongs to Tỉnh Minh Sơn: you read its requirements and the figures of the officials in your own units."
    ]
    hrefs = [a["href"] for a in soup_of(detail).select("a[href]")]
    assert reverse("training:plan_progress", args=[plan.pk]) in hrefs
    for hidden in ("plan_edit", "plan_preview"):
        assert reverse(f"training:{hidden}", args=[plan.pk]) not in hrefs
    assert not soup_of(detail).select(f"form[action='{reverse('training:plan_close', args=[plan.pk])}']")
    people = client.get(reverse("training:requirement_people", args=[requirement.pk]))
    assert text_of(people, ".people-table tbody th") == ["Trần Văn Bình B-0001"]
    assert client.get(reverse("training:plan_progress", args=[plan.pk])).status_code == 200
    for name in ("plan_preview", "plan_preview_xlsx", "plan_edit"):
        assert client.get(reverse(f"training:{name}", args=[plan.pk])).status_code == 403, name
    assert client.post(reverse("training:plan_close", args=[plan.pk])).status_code == 403
    exclude = reverse("training:requirement_exclude", args=[requirement.pk])
    assert client.post(exclude, {"official": second.pk, "reason": "Nghỉ phép"}).status_code == 403
    assert not Exclusion.objects.exists() and TrainingPlan.objects.get(pk=plan.pk).status == "active"
    for name in ("plan_detail", "plan_progress", "plan_preview"):
        assert client.get(reverse(f"training:{name}", args=[draft.pk])).status_code == 404, name
