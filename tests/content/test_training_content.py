"""The training contents (nội dung bồi dưỡng, Nghị định 171/2025/NĐ-CP) and the hours (số tiết) of a
course: the five contents the migration seeds, their snippet in the admin, the course editor's
fields, what the course page and the catalogue show, and the demo seed's facts."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from wagtail.models import ReferenceIndex
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from content.models import CoursePage, TrainingContent
from content.models import training as contents
from lms.demo import courses as demo
from tests.factories import make_course
from tests.reports.test_lists import in_english
from tests.support.html import soup_of
from tests.support.queries import count_queries

URLS = "wagtailsnippets_content_trainingcontent"
SEEDED = [
    ("ly-luan-chinh-tri", "Lý luận chính trị"),
    ("quoc-phong-va-an-ninh", "Quốc phòng và an ninh"),
    ("quan-ly-nha-nuoc", "Kiến thức quản lý nhà nước"),
    ("vi-tri-viec-lam", "Kiến thức, kỹ năng theo yêu cầu vị trí việc làm"),
    ("khoa-hoc-cong-nghe-ky-nang-so", "Khoa học, công nghệ, đổi mới sáng tạo, kỹ năng số, công nghệ số"),
]


def content(code):
    return TrainingContent.objects.get(code=code)


def facts(response):
    """The course page's facts, ``{label: value}``."""
    return {
        div.dt.get_text(strip=True): div.dd.get_text(" ", strip=True)
        for div in soup_of(response).select("dl.facts div")
    }


# The seeded list ------------------------------------------------------------------------------


def test_the_migration_seeds_the_five_contents_of_decree_171_in_order(db):
    assert list(TrainingContent.objects.values_list("code", "name")) == SEEDED
    assert [contents.POLITICAL_THEORY, contents.JOB_POSITION, contents.DIGITAL_SKILLS] == [
        SEEDED[0][0],
        SEEDED[3][0],
        SEEDED[4][0],
    ]


def test_seeding_again_changes_nothing_and_keeps_the_editors_names(db):
    TrainingContent.objects.filter(code=contents.DIGITAL_SKILLS).update(name="Kỹ năng số")
    migration = importlib.import_module("content.migrations.0005_seed_training_contents")
    migration.seed(apps, None)
    migration.seed(apps, None)
    assert TrainingContent.objects.count() == 5
    assert content(contents.DIGITAL_SKILLS).name == "Kỹ năng số"


# The snippet in the admin ---------------------------------------------------------------------


def test_an_administrator_lists_the_contents_under_the_catalogue_menu(admin_client):
    response = admin_client.get(reverse(f"{URLS}:list"))
    assert response.status_code == 200
    listed = [cell.a.get_text(" ", strip=True) for cell in soup_of(response).select("tbody td.title")]
    assert listed == [name for _code, name in SEEDED]
    home = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse(f"{URLS}:list") in home  # in the admin's menu (the catalogue group)


def test_an_administrator_adds_a_content(admin_client):
    data = {"code": "ky-nang-lanh-dao", "name": "Kỹ năng lãnh đạo, quản lý", "sort_order": "6"}
    response = admin_client.post(reverse(f"{URLS}:add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert content("ky-nang-lanh-dao").name == "Kỹ năng lãnh đạo, quản lý"
    assert list(TrainingContent.objects.values_list("code", flat=True))[-1] == "ky-nang-lanh-dao"


def test_a_code_is_unique_and_a_slug(admin_client):
    for code in (contents.JOB_POSITION, "Kỹ năng số"):
        response = admin_client.post(reverse(f"{URLS}:add"), {"code": code, "name": "Trùng", "sort_order": "9"})
        assert response.status_code == 200  # the form again, with the error
    assert TrainingContent.objects.count() == 5


def test_a_content_that_courses_belong_to_cannot_be_deleted(admin_client, catalogue):
    used = content(contents.JOB_POSITION)
    make_course(catalogue, lessons=0, content_category=used)
    assert admin_client.get(reverse(f"{URLS}:delete", args=[used.pk])).context["is_protected"]
    response = admin_client.post(reverse(f"{URLS}:delete", args=[used.pk]))
    assert response.status_code == 302  # Wagtail's reference index refuses it
    assert TrainingContent.objects.filter(pk=used.pk).exists()
    ReferenceIndex.objects.all().delete()  # an index out of date: the database's PROTECT still holds
    response = in_english(admin_client).post(reverse(f"{URLS}:delete", args=[used.pk]), follow=True)
    assert response.redirect_chain == [(reverse(f"{URLS}:list"), 302)]
    assert "is the training content of some courses and cannot be deleted" in response.content.decode()
    assert TrainingContent.objects.filter(pk=used.pk).exists()
    unused = content(contents.POLITICAL_THEORY)
    assert admin_client.post(reverse(f"{URLS}:delete", args=[unused.pk])).status_code == 302
    assert not TrainingContent.objects.filter(pk=unused.pk).exists()


# The course editor and the pages --------------------------------------------------------------


def add_course(client, catalogue, **fields):
    """Post the editor's "add course" form, published; returns the course."""
    form = nested_form_data(
        {
            "title": "Phần mềm một cửa điện tử",
            "slug": "mot-cua",
            "summary": "Tiếp nhận hồ sơ.",
            "objectives": streamfield([]),
            "estimated_minutes": 60,
            "comments": inline_formset([]),
            "action-publish": "publish",
            **fields,
        }
    )
    response = client.post(reverse("wagtailadmin_pages:add", args=["content", "coursepage", catalogue.pk]), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    return CoursePage.objects.get(slug="mot-cua")


def test_the_course_editor_saves_the_hours_and_the_content(admin_client, catalogue):
    digital = content(contents.DIGITAL_SKILLS)
    course = add_course(admin_client, catalogue, hours=12, content_category=digital.pk)
    assert (course.live, course.hours, course.content_category) == (True, 12, digital)
    editor = admin_client.get(reverse("wagtailadmin_pages:edit", args=[course.pk])).content.decode()
    assert 'name="hours"' in editor and 'name="content_category"' in editor


def test_hours_default_to_none_counted_and_no_content(catalogue):
    course = make_course(catalogue, lessons=0)
    course.refresh_from_db()
    assert (course.hours, course.content_category) == (0, None)


def test_hours_left_empty_in_the_editor_are_0(admin_client, catalogue):
    course = add_course(admin_client, catalogue, hours="", content_category="")
    assert (course.hours, course.content_category, course.get_latest_revision_as_object().hours) == (0, None, 0)


def test_hours_must_be_a_whole_number_of_periods(admin_client, catalogue):
    for hours in ("-1", "2,5", "nhiều"):
        form = nested_form_data(
            {"title": "Khóa", "slug": "khoa", "summary": "Tóm tắt.", "objectives": streamfield([]), "hours": hours}
            | {"estimated_minutes": 60, "comments": inline_formset([]), "action-publish": "publish"}
        )
        url = reverse("wagtailadmin_pages:add", args=["content", "coursepage", catalogue.pk])
        assert admin_client.post(url, form).status_code == 200, hours  # the form again, with the error
    assert not CoursePage.objects.filter(slug="khoa").exists()


def test_the_course_page_shows_the_hours_and_the_content(client, catalogue):
    course = make_course(catalogue, lessons=1, hours=12, content_category=content(contents.JOB_POSITION))
    shown = facts(in_english(client).get(course.url))
    assert shown["Hours"] == "12 periods"
    assert shown["Training content"] == "Kiến thức, kỹ năng theo yêu cầu vị trí việc làm"


def test_the_course_page_says_nothing_of_hours_or_content_when_unset(client, catalogue):
    course = make_course(catalogue, lessons=1)
    shown = facts(in_english(client).get(course.url))
    assert "Hours" not in shown and "Training content" not in shown
    assert "Lessons" in shown


def test_the_catalogue_cards_show_hours_and_content_only_when_set(client, catalogue):
    make_course(catalogue, title="Có số tiết", lessons=0, hours=8, content_category=content(contents.DIGITAL_SKILLS))
    make_course(catalogue, title="Chưa có", lessons=0)
    cards = {
        card.h3.get_text(strip=True): card for card in soup_of(in_english(client).get(catalogue.url)).select("li.card")
    }
    assert cards["Có số tiết"].select_one(".course-hours").get_text(strip=True) == "8 periods"
    assert "kỹ năng số, công nghệ số" in cards["Có số tiết"].select_one(".course-content").get_text()
    assert cards["Chưa có"].select_one(".course-hours") is None
    assert cards["Chưa có"].select_one(".course-content") is None


def test_the_catalogue_reads_the_contents_in_the_same_query_whatever_their_number(client, catalogue):
    counts = []
    codes = [code for code, _name in SEEDED]
    for total in (2, 8):
        while catalogue.get_children().count() < total:
            number = catalogue.get_children().count()
            make_course(
                catalogue, f"Khóa {number}", lessons=0, hours=number, content_category=content(codes[number % 5])
            )
        counts.append(count_queries(client, catalogue.url))
    assert counts[0] == counts[1], counts


# The demo seed --------------------------------------------------------------------------------


def test_every_demo_course_has_hours_and_a_content_of_the_two_the_brief_allows():
    slugs = {data["slug"] for data in demo.load_course_files()}
    assert slugs == set(demo.TRAINING)
    for slug, (hours, code) in demo.TRAINING.items():
        assert 4 <= hours <= 16, slug
        assert code in (contents.JOB_POSITION, contents.DIGITAL_SKILLS), slug
    assert demo.TRAINING["phan-mem-quan-ly-ho-tich"][1] == contents.JOB_POSITION
    assert demo.TRAINING["chu-ky-so-chuyen-dung"][1] == contents.DIGITAL_SKILLS


@pytest.fixture
def signature_course_data():
    return next(data for data in demo.load_course_files() if data["slug"] == "chu-ky-so-chuyen-dung")


def test_the_demo_course_is_seeded_with_its_facts_once(catalogue, signature_course_data):
    course, created = demo.build_course(catalogue, signature_course_data, 0)
    assert created and (course.hours, course.content_category.code) == (8, contents.DIGITAL_SKILLS)
    revisions = course.revisions.count()
    again, created = demo.build_course(catalogue, signature_course_data, 0)
    assert (again.pk, created, again.revisions.count()) == (course.pk, False, revisions)


def test_the_seed_fills_the_facts_of_an_older_demo_course_but_not_a_trainer_s(catalogue, signature_course_data):
    course, _created = demo.build_course(catalogue, signature_course_data, 0)
    course.hours, course.content_category = 0, None
    course.save_revision().publish()  # as seeded before courses had hours
    demo.build_course(catalogue, signature_course_data, 0)
    course = CoursePage.objects.get(pk=course.pk)
    assert (course.hours, course.content_category.code) == (8, contents.DIGITAL_SKILLS)
    course.hours = 20  # a trainer's figure
    course.save_revision().publish()
    demo.build_course(catalogue, signature_course_data, 0)
    assert CoursePage.objects.get(pk=course.pk).hours == 20
