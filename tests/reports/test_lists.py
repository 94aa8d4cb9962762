"""The lists behind the dashboard's "Overdue" and "Not started" numbers (/nhan-su/bao-cao/qua-han/,
/nhan-su/bao-cao/chua-bat-dau/): who may see them, that they have exactly as many lines as the
dashboard says for the same unit and filters, what a line shows, their order and pages, and that
their cost in queries does not grow with the number of lines or the page asked for."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from lms.learning import services
from lms.learning.models import Enrollment
from lms.people import roles, structure
from lms.people.models import OrgUnit
from lms.reports import aggregation, lists, records
from lms.reports.aggregation import Filters
from tests.factories import lessons_of, placed_official
from tests.support.html import soup_of
from tests.support.people import hr_of
from tests.support.queries import queries_of

OVERDUE = reverse("reports:overdue")
NOT_STARTED = reverse("reports:not_started")
LISTS = {"overdue": OVERDUE, "not_started": NOT_STARTED}
ASSIGNED = Enrollment.Source.ASSIGNMENT


@pytest.fixture
def world(clock, tree, groups, course, other_course):
    """Today is 15/03/2025. Commune A: Hạnh (assigned, due 01/03, not started), An (assigned, due
    10/03, one lesson done), Cúc (self-enrolled, not started; assigned, due 30/04, not started).
    Commune B: Bình (assigned, due 01/03, not started). The department: Đức (one course done
    before its due date, one assigned, due 20/02, not started)."""
    people = {
        "hanh": placed_official(tree.a, position_group=groups.staff, full_name="Lò Thị Hạnh", employee_code="A-0001"),
        "an": placed_official(tree.a, position_group=groups.leaders, full_name="Đinh Văn An", employee_code="A-0002"),
        "cuc": placed_official(tree.a, position_group=groups.staff, full_name="Hà Thị Cúc", employee_code="A-0003"),
        "binh": placed_official(tree.b, position_group=groups.staff, full_name="Trần Văn Bình", employee_code="B-0001"),
        "duc": placed_official(
            tree.department, position_group=groups.leaders, full_name="Vũ Minh Đức", employee_code="S-0001"
        ),
    }
    services.enrol(people["hanh"], course, source=ASSIGNED, due_date=datetime.date(2025, 3, 1))
    services.enrol(people["an"], course, source=ASSIGNED, due_date=datetime.date(2025, 3, 10))
    services.record_lesson_done(people["an"], lessons_of(course)[0])
    services.enrol(people["cuc"], course)
    services.enrol(people["cuc"], other_course, source=ASSIGNED, due_date=datetime.date(2025, 4, 30))
    services.enrol(people["binh"], other_course, source=ASSIGNED, due_date=datetime.date(2025, 3, 1))
    services.enrol(people["duc"], other_course, source=ASSIGNED, due_date=datetime.date(2025, 4, 1))
    for lesson in lessons_of(other_course):
        services.record_lesson_done(people["duc"], lesson)
    services.enrol(people["duc"], course, source=ASSIGNED, due_date=datetime.date(2025, 2, 20))
    tree.people = people
    return tree


def in_english(client):
    """Pages in English from now on, to read their wording (Vietnamese is the default)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def english(client):
    return in_english(client)


def lines(response):
    """The list's rows as shown: ``[[cell text, ...]]``."""
    return [
        [cell.get_text(strip=True) for cell in row.find_all(["th", "td"])]
        for row in soup_of(response).select("table.report-list tbody tr")
        if not row.select(".empty")
    ]


# Who may see them -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", LISTS.values())
def test_anonymous_users_are_sent_to_log_in(client, world, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", LISTS.values())
def test_officials_are_refused(client, world, url):
    official = world.people["hanh"]
    official.user.groups.add(roles.ensure_roles()[roles.OFFICIAL])
    client.force_login(official.user)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", LISTS.values())
def test_hr_of_a_sees_none_of_b(client, world, url):
    client.force_login(hr_of(world.a))
    page = client.get(url).content.decode()
    assert "Lò Thị Hạnh" in page or "Hà Thị Cúc" in page
    assert "Trần Văn Bình" not in page and "B-0001" not in page and "Vũ Minh Đức" not in page
    for unit in (world.b, world.district, world.province):  # beside and above the scope
        assert client.get(url, {"unit": unit.pk}).status_code == 404


@pytest.mark.parametrize("url", LISTS.values())
def test_bad_input_is_a_404_or_a_clean_page(client, world, url):
    client.force_login(hr_of(world.province))
    for raw in ("abc", "0", "-1", "99999999999999999999", "1.5"):
        assert client.get(url, {"unit": raw}).status_code == 404, raw
    for page in ("abc", "0", "999", "-3", "1e9"):
        response = client.get(url, {"page": page})
        assert response.status_code == 200, page
    response = client.get(url, {"year": "x", "group": "<b>", "source": "nobody"})
    assert response.status_code == 200
    assert len(lines(response)) == getattr(
        aggregation.summary([world.province]), "overdue" if url == OVERDUE else "not_started"
    )


# As many lines as the dashboard says ----------------------------------------------------------


def test_the_lists_have_as_many_lines_as_the_dashboard_s_numbers(client, world, groups, course):
    client.force_login(hr_of(world.province))
    units = (world.province, world.department, world.district, world.a, world.b)
    filter_sets = ({}, {"group": groups.staff.pk}, {"group": groups.leaders.pk}, {"kind": OrgUnit.Kind.COMMUNE})
    filter_sets += ({"year": 2025}, {"course": course.pk})
    seen = {}
    for unit in units:
        for filters in filter_sets:
            numbers = aggregation.summary([unit], Filters(**filters))
            for kind, url in LISTS.items():
                response = client.get(url, {"unit": unit.pk, **filters})
                shown = len(lines(response))
                assert shown == getattr(numbers, kind), (unit.name, filters, kind)
                assert response.context["page"].paginator.count == shown
                seen[kind] = seen.get(kind, 0) + shown
    assert seen["overdue"] and seen["not_started"]  # the world has something to count
    assert aggregation.summary([world.province]).overdue == 4
    assert aggregation.summary([world.province]).not_started == 5


def test_not_started_counts_self_enrolments_like_the_dashboard_and_can_keep_to_assigned_ones(client, world, english):
    client.force_login(hr_of(world.a))
    everything = client.get(NOT_STARTED)
    shown = lines(everything)
    assert len(shown) == aggregation.summary([world.a]).not_started == 3
    assert sorted(row[5] for row in shown) == ["Assigned", "Assigned", "Self-enrolled"]
    assert "self-enrolled courses alike" in everything.content.decode()  # the page says what it counts
    assigned = client.get(NOT_STARTED, {"source": ASSIGNED})
    expected = records.counted_enrollments([world.a]).filter(records.statuses()["not_started"], source=ASSIGNED)
    assert len(lines(assigned)) == assigned.context["page"].paginator.count == expected.count() == 2
    assert {row[0] for row in lines(assigned)} == {"Lò Thị Hạnh", "Hà Thị Cúc"}
    assert "assigned courses only" in soup_of(assigned).select_one("[role=status]").get_text()


def test_hr_of_several_units_sees_all_of_theirs(client, world):
    client.force_login(hr_of(world.a, world.department))
    names = [row[0] for row in lines(client.get(OVERDUE))]
    assert names == ["Vũ Minh Đức", "Lò Thị Hạnh", "Đinh Văn An"]
    assert len(names) == aggregation.summary([world.a, world.department]).overdue


def test_records_of_a_merged_unit_or_of_no_unit_are_listed_where_they_count(client, world):
    """A record counts in its unit's successor, and one without a unit in its official's unit."""
    Enrollment.objects.filter(official=world.people["hanh"]).update(unit=None)  # counted in Xã An all the same
    structure.merge_units([world.b], world.a, datetime.date(2025, 3, 14))
    client.force_login(hr_of(world.a))
    names = [row[0] for row in lines(client.get(OVERDUE))]
    assert names == ["Lò Thị Hạnh", "Trần Văn Bình", "Đinh Văn An"]
    assert len(names) == aggregation.summary([world.a]).overdue


# What a line shows, in what order -------------------------------------------------------------


def test_an_overdue_line_shows_the_official_and_the_course(client, world, course, english):
    client.force_login(hr_of(world.a))
    response = client.get(OVERDUE)
    header = [th.get_text(strip=True) for th in soup_of(response).select("table.report-list thead th")]
    assert header == [
        "Full name",
        "Employee code",
        "Unit",
        "Position group",
        "Course",
        "Due date",
        "Days overdue",
        "Enrolled",
        "Last activity",
    ]
    assert lines(response) == [
        ["Lò Thị Hạnh", "A-0001", "Xã An", "Công chức", "Chữ ký số", "01/03/2025", "14", "15/03/2025", "—"],
        ["Đinh Văn An", "A-0002", "Xã An", "Lãnh đạo", "Chữ ký số", "10/03/2025", "5", "15/03/2025", "15/03/2025"],
    ]
    link = soup_of(response).select_one("table.report-list tbody th a")["href"]
    assert link == reverse("reports:transcript", args=[world.people["hanh"].pk])


def test_lines_are_ordered_by_due_date_then_unit_then_name(client, world):
    client.force_login(hr_of(world.province))
    assert [row[0] for row in lines(client.get(OVERDUE))] == [
        "Vũ Minh Đức",  # due 20/02
        "Lò Thị Hạnh",  # due 01/03, Xã An comes before Xã Bình in the tree
        "Trần Văn Bình",  # due 01/03
        "Đinh Văn An",  # due 10/03
    ]
    rows = lines(client.get(NOT_STARTED, {"unit": world.a.pk}))
    assert [(row[0], row[6]) for row in rows] == [
        ("Lò Thị Hạnh", "01/03/2025"),
        ("Hà Thị Cúc", "30/04/2025"),
        ("Hà Thị Cúc", "—"),  # no due date: last
    ]


def test_pages_keep_the_unit_and_the_filters(client, world, groups, monkeypatch):
    monkeypatch.setattr(lists, "PER_PAGE", 2)
    client.force_login(hr_of(world.province))
    first = client.get(OVERDUE, {"unit": world.province.pk, "kind": OrgUnit.Kind.COMMUNE})
    assert [row[0] for row in lines(first)] == ["Lò Thị Hạnh", "Trần Văn Bình"]
    following = soup_of(first).select_one(".pager a[rel=next]")["href"]
    assert following == f"?unit={world.province.pk}&kind=commune&page=2"
    second = client.get(OVERDUE + following)
    assert [row[0] for row in lines(second)] == ["Đinh Văn An"]
    assert client.get(OVERDUE, {"kind": "commune", "page": 99}).context["page"].number == 2  # the last page


# The dashboard links to them, and they to the exports -------------------------------------------


def test_the_dashboard_links_to_the_lists_and_the_export_with_its_unit_and_filters(client, world, groups):
    client.force_login(hr_of(world.province))
    response = client.get(reverse("reports:dashboard"), {"unit": world.district.pk, "group": groups.staff.pk})
    links = [a["href"] for a in soup_of(response).select(".report-lists a")]
    query = f"unit={world.district.pk}&group={groups.staff.pk}"
    export = reverse("reports:export_start")
    assert links == [
        f"{OVERDUE}?{query}",
        f"{NOT_STARTED}?{query}",
        f"{export}?list=all&format=csv&{query}",
        f"{export}?list=all&format=xlsx&{query}",
    ]
    assert client.get(links[0]).context["unit"] == world.district
    assert client.get(links[2]).status_code == 200


def test_each_list_links_to_its_export_with_its_unit_and_filters(client, world, groups):
    in_english(client).force_login(hr_of(world.province))
    export = reverse("reports:export_start")
    query = f"unit={world.a.pk}&group={groups.staff.pk}"
    for kind, url in LISTS.items():
        hrefs = [a["href"] for a in soup_of(client.get(f"{url}?{query}")).select("[role=status] a")]
        assert hrefs == [f"{export}?list={kind}&format=csv&{query}", f"{export}?list={kind}&format=xlsx&{query}"]
    # The export knows no source: the file is the dashboard's list, and the page says so.
    page = soup_of(client.get(f"{NOT_STARTED}?{query}&source=assignment"))
    hrefs = [a["href"] for a in page.select("[role=status] a")]
    assert hrefs[0] == f"{export}?list=not_started&format=csv&{query}"
    assert "assigned and self-enrolled courses alike" in page.select_one("[role=status]").get_text()


# Queries --------------------------------------------------------------------------------------


def assigned_total(world):
    return records.counted_enrollments([world.a]).filter(records.statuses()["not_started"], source=ASSIGNED).count()


def _queries(client, url, params):
    response, queries = queries_of(client, url, params)
    return len(queries), len(lines(response)), [query["sql"] for query in queries]


def test_the_lists_cost_the_same_queries_for_2_or_30_lines_and_any_page(client, world, groups, course, monkeypatch):
    client.force_login(hr_of(world.province))
    params = {"unit": world.a.pk}
    few = {kind: _queries(client, url, params) for kind, url in LISTS.items()}
    for n in range(28):
        official = placed_official(world.a, position_group=groups.staff, full_name=f"Cán bộ {n:02d}")
        services.enrol(official, course, source=ASSIGNED, due_date=datetime.date(2025, 3, 2))
    many = {kind: _queries(client, url, params) for kind, url in LISTS.items()}
    assert few["overdue"][1] == 2 and many["overdue"][1] == 30
    assert few["not_started"][1] == 3 and many["not_started"][1] == 31
    for kind in LISTS:
        assert many[kind][0] == few[kind][0], kind
        # The paginator's count comes from the tallies: no COUNT(*) over the enrolments.
        assert not any("COUNT(" in sql.upper() and "LEARNING_ENROLLMENT" in sql.upper() for sql in many[kind][2]), kind
    monkeypatch.setattr(lists, "PER_PAGE", 10)
    first, third = _queries(client, OVERDUE, params), _queries(client, OVERDUE, {**params, "page": 3})
    assert first[1] == third[1] == 10 and first[0] == third[0] == few["overdue"][0]
    # With a source, the database counts the narrower set (one query) instead of the tallies (three).
    assigned = _queries(client, NOT_STARTED, {**params, "source": ASSIGNED})
    assert assigned[1] == 10 and assigned[0] == few["not_started"][0] - 2
    assert assigned_total(world) == 2 + 28
    # 11 of the page's own (scope roots, unit, breadcrumbs, 3 for the filter choices, 3 for the
    # tallies' count, the subtree's units, the lines) and those of every page (session, user,
    # scope, the header).
    assert few["overdue"][0] == few["not_started"][0] == 22  # the header's bell included
