"""The plan progress pages (/nhan-su/ke-hoach/<pk>/tien-do/…) and their files: who may open them,
that they show what ``progress`` says, that the files hold the same and are formula-safe, and that
the queries do not grow with the number of officials."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from lms.core.dates import today
from lms.people import roles
from lms.training import progress
from tests.factories import OfficialFactory
from tests.support.html import soup_of
from tests.support.learning import finish
from tests.support.people import hr_of, member
from tests.support.queries import queries_of
from tests.training.test_progress import make_province, shown
from tests.training.world import activated, build_world, days


@pytest.fixture
def world(catalogue):
    return build_world(catalogue)


@pytest.fixture
def activate(django_capture_on_commit_callbacks):
    return lambda world, plan: activated(world, plan, django_capture_on_commit_callbacks)


@pytest.fixture
def province(world, activate, catalogue):
    p = make_province(world, activate, catalogue)
    finish(p.people["a_chair"], world.course)
    return p


def urls(plan):
    return [
        reverse("training:plan_progress", args=[plan.pk]),
        reverse("training:plan_progress_people", args=[plan.pk]),
        reverse("training:plan_progress_export", args=[plan.pk]) + "?format=csv",
        reverse("training:plan_people_export", args=[plan.pk]) + "?format=xlsx",
    ]


def cells(response, section_id):
    section = soup_of(response).find("h2", id=section_id).parent
    return [[c.get_text(" ", strip=True) for c in row.find_all(["th", "td"])] for row in section.select("tbody tr")]


def figure_texts(figures):
    rate = "—" if figures.percent is None else f"{figures.percent:.1f}".replace(".", ",") + "%"
    numbers = (figures.targeted, figures.completed, figures.in_progress, figures.not_started, figures.overdue)
    return [*(f"{n:,}".replace(",", ".") for n in numbers), rate, str(figures.hours)]


# Who may open them --------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_log_in(client, province):
    for url in urls(province.plan):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize("role", [roles.OFFICIAL, roles.TRAINER])
def test_officials_and_trainers_are_refused(client, province, role, catalogue):
    client.force_login(member(roles.ensure_roles(catalogue), role))
    for url in urls(province.plan):
        assert client.get(url).status_code == 403, url


def test_hr_of_a_unit_the_plan_does_not_concern_gets_404(client, world, activate, province):
    plan_c = world.plan(name="Kế hoạch của xã Tân Lập")
    world.requirement(plan_c, units=[province.commune_c])
    activate(world, plan_c)
    client.force_login(hr_of(world.commune_b))
    for url in urls(plan_c):
        assert client.get(url).status_code == 404, url
    for url in urls(province.plan):  # the province's plan is theirs in part
        assert client.get(url).status_code == 200, url
    for other in (world.commune_a, province.district, world.province):
        response = client.get(reverse("training:plan_progress", args=[province.plan.pk]), {"unit": other.pk})
        assert response.status_code == 404, other.name
    assert client.get(reverse("training:plan_progress", args=[999999])).status_code == 404


def test_a_unit_head_reads_the_figures_of_their_commune_only(client, world, province):
    client.force_login(hr_of(world.commune_a, can_manage=False))
    response = client.get(reverse("training:plan_progress", args=[province.plan.pk]))
    assert response.status_code == 200
    area = progress.area_for(hr_of(world.commune_a, username="cung-xa-a"))
    expected = progress.progress(province.plan, area)
    assert [dd.get_text(strip=True) for dd in soup_of(response).select(".report-cards dd")][1:3] == ["5", "1"]
    unit_rows = cells(response, "table-unit")
    assert [row[1:-1] for row in unit_rows] == [figure_texts(expected.by_unit[0].figures)]
    assert "Xã Sơn Hà" in unit_rows[0][0] and expected.by_unit[0].own
    html = response.content.decode()
    assert "Xã Hòa Bình" not in html and "Xã Tân Lập" not in html


def test_bad_parameters_are_404_or_400_never_500(client, world, province):
    client.force_login(world.hr)
    page = reverse("training:plan_progress", args=[province.plan.pk])
    for params in ({"unit": "abc"}, {"unit": "99999999999999999999"}, {"requirement": "x"}, {"requirement": "999999"}):
        assert client.get(page, params).status_code == 404, params
    export = reverse("training:plan_progress_export", args=[province.plan.pk])
    assert client.get(export, {"format": "pdf"}).status_code == 400
    people = reverse("training:plan_progress_people", args=[province.plan.pk])
    response = client.get(people, {"status": "<b>", "requirement": "abc"})
    assert response.status_code == 200
    assert len(soup_of(response).select(".errors")) == 2
    assert (
        client.get(reverse("training:plan_people_export", args=[province.plan.pk]), {"status": "x"}).status_code == 400
    )


def test_the_pages_are_read_only(client, world, province):
    client.force_login(world.hr)
    for url in urls(province.plan):
        assert client.post(url).status_code == 405, url


# What they show ----------------------------------------------------------------------------------


def test_the_page_shows_the_selectors_figures_and_drills_down(client, world, province):
    client.force_login(world.hr)
    url = reverse("training:plan_progress", args=[province.plan.pk])
    response = client.get(url)
    result = progress.progress(province.plan, progress.area_for(world.hr))
    rows = cells(response, "table-requirement")
    assert [row[2:] for row in rows] == [figure_texts(r.figures) for r in result.by_requirement]
    assert rows[0][2:] == ["5", "1", "0", "4", "0", "20,0%", "8"]
    unit_rows = cells(response, "table-unit")
    assert [row[1:-1] for row in unit_rows] == [figure_texts(r.figures) for r in result.by_unit]
    assert [row[0] for row in unit_rows][1:] == ["Xã Sơn Hà", "Xã Hòa Bình", "Huyện Đông"]
    for key in ("group", "position", "title"):
        assert cells(response, f"table-{key}"), key
    # One level down, then the breadcrumb back up.
    link = soup_of(response).find("a", string="Huyện Đông")["href"]
    assert link == f"?unit={province.district.pk}"
    below = client.get(url + link)
    assert [row[0] for row in cells(below, "table-unit")] == ["Xã Tân Lập"]
    crumbs = soup_of(below).select(".report-crumbs a")
    assert crumbs[-1]["href"] == f"{url}?unit={world.province.pk}" and crumbs[-1].get_text() == "Tỉnh Minh Sơn"
    assert soup_of(below).select_one('[aria-current="page"]').get_text() == "Huyện Đông"
    # A requirement narrows the other tables and is kept when drilling down.
    narrowed = client.get(url, {"requirement": province.everyone.pk})
    assert soup_of(narrowed).find("a", string="Huyện Đông")["href"] == (
        f"?unit={province.district.pk}&requirement={province.everyone.pk}"
    )
    assert [dd.get_text(strip=True) for dd in soup_of(narrowed).select(".report-cards dd")][1] == "5"


def test_every_table_is_accessible(client, world, province):
    client.force_login(world.hr)
    soup = soup_of(client.get(reverse("training:plan_progress", args=[province.plan.pk])))
    tables = soup.select("table")
    assert len(tables) == 5
    for table in tables:
        assert table.caption and table.caption.get_text(strip=True)
        assert all(th.get("scope") == "col" for th in table.thead.find_all("th"))
        assert all(row.th and row.th.get("scope") == "row" for row in table.tbody.find_all("tr"))
        assert table.parent.get("class") == ["table-wrap"]  # scrolls sideways on a phone
    assert not soup.find_all("script", src=False) and not soup.find_all(style=True)


def test_the_people_list_filters_by_status_unit_and_requirement(client, world, province):
    client.force_login(world.hr)
    url = reverse("training:plan_progress_people", args=[province.plan.pk])
    everyone = soup_of(client.get(url)).select("tbody tr")
    assert len(everyone) == 10
    done = cells_of_list(client.get(url, {"status": "completed"}))
    assert done == [["Nguyễn Thị Hồng Nhung", "Xã Sơn Hà", "8"]]
    in_c = cells_of_list(client.get(url, {"unit": province.commune_c.pk, "requirement": province.leaders.pk}))
    assert [row[1] for row in in_c] == ["Xã Tân Lập"]


def cells_of_list(response):
    rows = soup_of(response).select("tbody tr")
    out = []
    for row in rows:
        texts = [c.get_text(" ", strip=True) for c in row.find_all(["th", "td"])]
        out.append([texts[0], texts[2], texts[-1]])
    return out


def test_the_people_list_is_paged_by_the_tallies_count(client, world, activate, catalogue):
    p = make_province(world, activate, catalogue, extra_officials=60)
    client.force_login(world.hr)
    response = client.get(reverse("training:plan_progress_people", args=[p.plan.pk]))
    total = progress.progress(p.plan, progress.area_for(world.hr)).summary.targeted
    assert response.context["page"].paginator.count == total > 50
    assert len(soup_of(response).select("tbody tr")) == 50
    second = client.get(reverse("training:plan_progress_people", args=[p.plan.pk]), {"page": 2})
    assert len(soup_of(second).select("tbody tr")) == total - 50


# Files ------------------------------------------------------------------------------------------


def test_the_figures_as_xlsx_and_csv(client, world, province):
    client.force_login(world.hr)
    url = reverse("training:plan_progress_export", args=[province.plan.pk])
    result = progress.progress(province.plan, progress.area_for(world.hr, province.district.pk))
    response = client.get(url, {"format": "xlsx", "unit": province.district.pk})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert (
        f'filename="tien-do-ke-hoach-{province.plan.pk}-{province.district.pk}.xlsx"' in response["Content-Disposition"]
    )
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert len(book.sheetnames) == 6
    summary = list(book.worksheets[0].iter_rows(values_only=True))
    assert "Huyện Đông" in summary[0][0]
    assert summary[2][:5] == shown(result.summary)[:5]
    units = list(book.worksheets[2].iter_rows(values_only=True))[2:]
    assert [(row[0], row[2]) for row in units] == [("Xã Tân Lập", 3)]  # its leader twice, its clerk
    text = b"".join(client.get(url, {"format": "csv"}).streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    assert "Xã Sơn Hà" in text and "Huyện Đông" in text


def test_the_people_files_are_formula_safe(client, world, activate, catalogue):
    p = make_province(world, activate, catalogue)
    OfficialFactory._meta.model.objects.filter(pk=p.people["a_chair"].pk).update(full_name='=HYPERLINK("x")')
    client.force_login(world.hr)
    url = reverse("training:plan_people_export", args=[p.plan.pk])
    response = client.get(url, {"format": "csv", "unit": world.commune_a.pk})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 1 + 5
    assert [row[0] for row in rows if "HYPERLINK" in row[0]] == ['\'=HYPERLINK("x")'] * 2  # two requirements
    book = openpyxl.load_workbook(io.BytesIO(b"".join(client.get(url, {"format": "xlsx"}).streaming_content)))
    names = [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert len(names) == 10 and '\'=HYPERLINK("x")' in names


def test_the_people_xlsx_is_refused_above_the_limit(client, world, province, monkeypatch):
    from lms.training import views_progress

    monkeypatch.setattr(views_progress, "PEOPLE_XLSX_LIMIT", 3)
    client.force_login(world.hr)
    url = reverse("training:plan_people_export", args=[province.plan.pk])
    response = client.get(url, {"format": "xlsx", "status": "not_started"})
    assert response.status_code == 302
    assert response["Location"] == reverse("training:plan_progress_people", args=[province.plan.pk]) + (
        "?status=not_started"
    )


# Query counts -----------------------------------------------------------------------------------


def test_query_counts_do_not_grow_with_the_officials(client, world, activate, catalogue):
    """10 officials, then 200 in more units: the same queries on every page and file."""
    small = make_province(world, activate, catalogue, extra_officials=3)
    finish(small.people["c_leader"], world.course)  # no list is empty, in either state
    client.force_login(world.hr)

    def counts(plan, district, commune):
        cases = [
            (reverse("training:plan_progress", args=[plan.pk]), {}),
            (reverse("training:plan_progress", args=[plan.pk]), {"unit": district.pk}),
            (
                reverse("training:plan_progress", args=[plan.pk]),
                {"unit": commune.pk, "requirement": plan.requirements.first().pk},
            ),
            (reverse("training:plan_progress_people", args=[plan.pk]), {}),
            (reverse("training:plan_progress_people", args=[plan.pk]), {"status": "completed", "unit": district.pk}),
            (reverse("training:plan_progress_export", args=[plan.pk]), {"format": "xlsx"}),
        ]
        return [len(queries_of(client, url, params)[1]) for url, params in cases]

    few = counts(small.plan, small.district, small.commune_c)
    from tests.factories import make_unit

    for n in range(5):
        make_unit(small.district, name=f"Xã mới {n}", code=f"XM-{n}")
    # A second world would clash with the first; the same plan grows instead.
    for n in range(190):
        world.official(unit=(world.commune_a, world.commune_b, small.commune_c)[n % 3], group=world.leaders)
    for official in world.officials[-20:]:
        finish(official, world.course)
    assert progress.progress(small.plan, progress.area_for(world.hr)).summary.targeted > 200
    many = counts(small.plan, small.district, small.commune_c)
    assert many == few, (few, many)
    assert max(few) <= 25, few  # sign-in, scope, plan, units, requirements, two tally reads, labels, base page


def test_overdue_on_the_page_uses_today(client, world, province, monkeypatch):
    from lms.training import views_progress

    monkeypatch.setattr(views_progress, "today", lambda: today() + days(21))
    client.force_login(world.hr)
    response = client.get(reverse("training:plan_progress", args=[province.plan.pk]))
    assert cells(response, "table-requirement")[0][2:][4] == "4"  # five leaders, one done
