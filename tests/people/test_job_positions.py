"""Job positions (vị trí việc làm) and leadership titles (chức vụ): the seeded lists, their admin,
HR's list, detail and export, the official's own profile. The import: test_job_positions_import."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from lms.people.models import JobPosition, LeadershipTitle, Official, OrgUnit
from lms.people.positions import JOB_POSITIONS, LEADERSHIP_TITLES, seed_position_lists
from tests.factories import OfficialFactory, PositionGroupFactory, make_unit
from tests.support.html import soup_of
from tests.support.people import hr_of
from tests.support.queries import count_queries


def job(code):
    # Seeded by a migration, but a transactional test run before this one may have emptied the table.
    return seed_position_lists()[0][code]


def title(code):
    return seed_position_lists()[1][code]


@pytest.fixture(autouse=True)
def lists(db):
    seed_position_lists()


@pytest.fixture
def world(db):
    province = make_unit(name="Tỉnh Minh Sơn", kind="province", code="TINH")
    unit = make_unit(province, name="Xã Sơn Hà", code="XA-A")
    other = make_unit(province, name="Xã Hòa Bình", code="XA-B")
    group = PositionGroupFactory()
    return {"unit": unit, "other": other, "group": group, "hr": hr_of(unit, username="hr-a")}


def official_of(world, name, job_code=None, title_code=None, since=None, unit=None):
    return OfficialFactory(
        unit=unit or world["unit"],
        position_group=world["group"],
        full_name=name,
        job_position=job(job_code) if job_code else None,
        leadership_title=title(title_code) if title_code else None,
        position_since=since,
    )


def test_the_data_migration_seeds_both_lists_once(db):
    migration = importlib.import_module("lms.people.migrations.0005_seed_job_positions_and_titles")
    assert (migration.JOB_POSITIONS, migration.LEADERSHIP_TITLES) == (JOB_POSITIONS, LEADERSHIP_TITLES)
    (operation,) = migration.Migration.operations
    assert operation.code is migration.seed and operation.reversible
    JobPosition.objects.all().delete()
    LeadershipTitle.objects.all().delete()
    migration.seed(apps, None)
    migration.seed(apps, None)
    assert list(JobPosition.objects.values_list("code", "name")) == [(c, n) for c, n, _o in JOB_POSITIONS]
    assert list(LeadershipTitle.objects.values_list("code", "name")) == [(c, n) for c, n, _o in LEADERSHIP_TITLES]
    assert JobPosition.objects.get(code="tu-phap-ho-tich").name == "Chuyên viên tư pháp – hộ tịch"
    assert LeadershipTitle.objects.get(code="chu-tich-ubnd-xa").name == "Chủ tịch UBND xã"


def test_seeding_again_adds_what_is_missing_and_keeps_edits(db):
    JobPosition.objects.filter(code="dia-chinh").update(name="Công chức địa chính – xây dựng")
    LeadershipTitle.objects.filter(code="giam-doc-so").delete()
    jobs, titles = seed_position_lists()
    seed_position_lists()
    assert JobPosition.objects.count() == len(JOB_POSITIONS)
    assert LeadershipTitle.objects.count() == len(LEADERSHIP_TITLES)
    assert jobs["dia-chinh"].name == "Công chức địa chính – xây dựng"
    assert titles["giam-doc-so"].name == "Giám đốc sở"


@pytest.mark.parametrize("model", [JobPosition, LeadershipTitle])
def test_the_administrator_manages_the_lists(admin_client, model):
    name = model._meta.model_name
    index = admin_client.get(reverse(f"{name}:index"))
    assert index.status_code == 200
    assert model.objects.first().name in index.content.decode()
    assert admin_client.get(reverse(f"{name}:add")).status_code == 200
    response = admin_client.post(reverse(f"{name}:add"), {"code": "thu-nghiem", "name": "Thử nghiệm", "sort_order": 99})
    assert response.status_code == 302
    added = model.objects.get(code="thu-nghiem")
    assert admin_client.get(reverse(f"{name}:edit", args=[added.pk])).status_code == 200


def test_an_hr_user_cannot_manage_the_lists(client, world):
    client.force_login(world["hr"])
    assert client.get(reverse("jobposition:index")).status_code == 302
    assert client.get(reverse("leadershiptitle:add")).status_code == 302


def test_the_official_admin_edits_position_title_and_day(admin_client, world):
    official = official_of(world, "Vì Văn Khánh", "mot-cua")
    url = reverse("official:edit", args=[official.pk])
    form = admin_client.get(url).content.decode()
    assert 'name="job_position"' in form and 'name="leadership_title"' in form and 'name="position_since"' in form
    data = {
        "full_name": official.full_name,
        "employee_code": official.employee_code,
        "unit": official.unit_id,
        "on_date": "",
        "position_group": official.position_group_id,
        "job_position": job("dia-chinh").pk,
        "leadership_title": title("pho-chu-tich-ubnd-xa").pk,
        "position_since": "",
        "phone": "",
        "is_active": "on",
    }
    assert admin_client.post(url, data).status_code == 302
    official.refresh_from_db()
    assert (official.job_position.code, official.leadership_title.code) == ("dia-chinh", "pho-chu-tich-ubnd-xa")
    assert official.position_since is not None  # a change without a day: today
    assert admin_client.post(url, {**data, "position_since": "01/02/2026"}).status_code == 302
    official.refresh_from_db()
    assert official.position_since == datetime.date(2026, 2, 1)
    listing = admin_client.get(reverse("official:index")).content.decode()
    assert "Chuyên viên địa chính" in listing and "Phó Chủ tịch UBND xã" in listing


def listed(client, **params):
    response = client.get(reverse("people:official_list"), params)
    assert response.status_code == 200
    return [official.full_name for official in response.context["page"]]


def test_hr_filters_by_job_position_and_title(client, world):
    official_of(world, "A Chủ tịch", title_code="chu-tich-ubnd-xa")
    official_of(world, "B Địa chính", "dia-chinh")
    official_of(world, "C Địa chính phó", "dia-chinh", "pho-truong-phong")
    official_of(world, "D Không", None)
    official_of(world, "E Địa chính xã khác", "dia-chinh", unit=world["other"])
    client.force_login(world["hr"])
    dia_chinh, chu_tich = job("dia-chinh").pk, title("chu-tich-ubnd-xa").pk
    assert listed(client, position=dia_chinh) == ["B Địa chính", "C Địa chính phó"]
    assert listed(client, title=chu_tich) == ["A Chủ tịch"]
    assert listed(client, position=dia_chinh, title=title("pho-truong-phong").pk) == ["C Địa chính phó"]
    assert listed(client, position="none") == ["A Chủ tịch", "D Không"]
    assert listed(client, title="none", position=dia_chinh) == ["B Địa chính"]
    assert listed(client, position="abc") == []  # nonsense selects no one, and is no error
    assert listed(client, title="9" * 40) == []


def test_the_list_has_labelled_selects_and_the_job_position_column(client, world):
    official_of(world, "B Địa chính", "dia-chinh", "pho-truong-phong")
    client.force_login(world["hr"])
    response = client.get(reverse("people:official_list"), {"position": job("dia-chinh").pk})
    page = soup_of(response)
    for name in ("position", "title"):
        select = page.find("select", attrs={"name": name})
        assert page.find("label", attrs={"for": select["id"]}).get_text(strip=True)
    chosen = page.find("select", attrs={"name": "position"}).find("option", selected=True)
    assert chosen.get_text() == "Chuyên viên địa chính"
    assert len(page.find("select", attrs={"name": "title"}).find_all("option")) == len(LEADERSHIP_TITLES) + 2
    cells = [td.get_text(" ", strip=True) for td in page.find("tbody").find("tr").find_all("td")]
    assert "Chuyên viên địa chính · Phó Trưởng phòng" in cells


def test_the_list_makes_as_many_queries_for_many_officials(client, world):
    client.force_login(world["hr"])
    url = reverse("people:official_list")
    params = {"position": job("dia-chinh").pk, "status": "all"}
    official_of(world, "Một", "dia-chinh", "truong-phong")
    few = count_queries(client, url, params)
    codes = ["truong-phong", "pho-truong-phong", "chu-tich-ubnd-xa", None]
    for number in range(12):
        official_of(world, f"Cán bộ {number}", "dia-chinh", codes[number % 4])
    assert count_queries(client, url, params) == few
    assert count_queries(client, url, {"title": title("truong-phong").pk}) == few


def test_the_detail_page_and_the_export_show_position_and_title(client, world):
    official = official_of(world, "Vì Văn Khánh", "dia-chinh", "pho-truong-phong", datetime.date(2025, 7, 1))
    client.force_login(world["hr"])
    detail = soup_of(client.get(reverse("people:official_detail", args=[official.pk])))
    facts = {div.dt.get_text(strip=True): div.dd.get_text(strip=True) for div in detail.select("dl.facts > div")}
    assert "Chuyên viên địa chính" in facts.values()
    assert "Phó Trưởng phòng" in facts.values()
    assert "01/07/2025" in facts.values()
    response = client.get(reverse("people:official_export"), {"position": job("dia-chinh").pk})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 2
    assert lines[1].split(",")[6:8] == ["Chuyên viên địa chính", "Phó Trưởng phòng"]


def test_the_profile_shows_position_and_title(client, world):
    official = official_of(world, "Lò Thị Hạnh", "mot-cua", "pho-chu-tich-ubnd-xa", datetime.date(2025, 7, 1))
    client.force_login(official.user)
    facts = soup_of(client.get(reverse("profile"))).select("dl.facts > div")
    values = [div.dd.get_text(strip=True) for div in facts]
    assert "Chuyên viên một cửa" in values and "Phó Chủ tịch UBND xã" in values and "01/07/2025" in values


def test_the_demo_gives_positions_and_titles(db):
    from lms.demo import province

    province.build_tree()
    province.build_officials(120)
    officials = Official.objects.select_related("position_group", "job_position", "leadership_title", "unit")
    for official in officials:
        if official.position_group.code == "lanh-dao":
            assert official.leadership_title is not None
        elif official.position_group.code == "cntt":
            assert official.job_position.code == "cong-nghe-thong-tin"
        else:
            assert official.job_position is not None
        assert official.position_since is not None
    titles = set(officials.values_list("leadership_title__code", flat=True))
    assert {"chu-tich-ubnd-xa", "giam-doc-so"} <= titles
    # The first leader of each commune (its offices included) chairs its People's Committee.
    first_leaders = {}
    for official in officials.filter(position_group__code="lanh-dao").order_by("employee_code"):
        first_leaders.setdefault(official.unit.path[: 2 * OrgUnit.steplen], official)
    communes = OrgUnit.objects.filter(kind=OrgUnit.Kind.COMMUNE).open().values_list("path", flat=True)
    chairs = {top: o.leadership_title.code for top, o in first_leaders.items() if top in set(communes)}
    assert chairs and set(chairs.values()) == {"chu-tich-ubnd-xa"}
