import pytest
from django.core.exceptions import ValidationError

from content.models import CourseIndexPage, CoursePage, HomePage, LessonPage
from lms.people.models import PositionGroup
from tests.factories import lesson_body, make_course, publish


def test_lessons_can_only_live_under_a_course(db):
    assert LessonPage.allowed_parent_page_models() == [CoursePage]
    assert not LessonPage.can_create_at(CourseIndexPage())
    assert LessonPage.can_create_at(CoursePage())
    assert CoursePage.allowed_parent_page_models() == [CourseIndexPage]
    assert LessonPage.allowed_subpage_models() == []
    assert HomePage.allowed_subpage_models() == [CourseIndexPage]


def test_slug_generated_from_a_vietnamese_title_keeps_d(catalogue):
    course = CoursePage(title="Cơ sở dữ liệu Đất đai", summary="Tra cứu thửa đất.")
    catalogue.add_child(instance=course)
    assert course.slug == "co-so-du-lieu-dat-dai"
    second = CoursePage(title="Cơ sở dữ liệu Đất đai", summary="Bản thứ hai.")
    catalogue.add_child(instance=second)
    assert second.slug == "co-so-du-lieu-dat-dai-2"


def test_procedure_step_with_screenshot_requires_alt_text():
    step = LessonPage.body.field.stream_block.child_blocks["procedure"].child_blocks["steps"].child_block
    value = step.to_python({"text": "<p>Bấm</p>", "screenshot": None, "screenshot_alt": ""})
    step.clean(value)  # no screenshot, no alt: fine

    class FakeImage:
        pk = 1

    value["screenshot"] = FakeImage()
    with pytest.raises(ValidationError):
        step.clean(value)


def test_course_and_lesson_pages_render(client, course):
    response = client.get(course.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert course.title in html
    for lesson in course.lessons():
        assert lesson.title in html
    lesson = course.lessons().first()
    response = client.get(lesson.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bấm <b>Ký số</b>." in html
    assert "Ghi nhớ mã PIN." in html
    assert "<h2>Dùng để làm gì</h2>" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ky so", ["Chữ ký số chuyên dùng và chứng thư số"]),
        ("KY SO", ["Chữ ký số chuyên dùng và chứng thư số"]),
        ("ký số", ["Chữ ký số chuyên dùng và chứng thư số"]),
        ("ho tich", ["Phần mềm quản lý hộ tịch"]),
        ("dat dai", ["Cơ sở dữ liệu đất đai"]),
        ("tich", ["Phần mềm quản lý hộ tịch"]),
        ("khong co", []),
    ],
)
def test_catalogue_search_ignores_diacritics(client, catalogue, query, expected):
    make_course(catalogue, "Chữ ký số chuyên dùng và chứng thư số", lessons=1, summary="Ký số văn bản đi.")
    make_course(catalogue, "Phần mềm quản lý hộ tịch", lessons=1, summary="Đăng ký khai sinh, khai tử.")
    make_course(catalogue, "Cơ sở dữ liệu đất đai", lessons=1, summary="Tra cứu và cập nhật thửa đất.")
    response = client.get(catalogue.url, {"q": query})
    assert response.status_code == 200
    assert [c.title for c in response.context["courses"]] == expected


def test_whole_phrase_matches_rank_titles_first(client, catalogue):
    make_course(catalogue, "Quản lý văn bản", lessons=1, summary="Văn bản đi có chữ ký số của lãnh đạo.")
    make_course(catalogue, "Chữ ký số", lessons=1, summary="Token và mã PIN.")
    make_course(catalogue, "Kỹ năng số", lessons=1, summary="Sổ sách điện tử.")
    titles = [c.title for c in client.get(catalogue.url, {"q": "ky so"}).context["courses"]]
    assert titles == ["Chữ ký số", "Quản lý văn bản"]


def test_catalogue_filters_by_target_group_and_category(client, catalogue):
    leaders = PositionGroup.objects.create(code="lanh-dao", name="Lãnh đạo, quản lý")
    for_leaders = make_course(catalogue, "Điều hành bằng văn bản điện tử", lessons=1)
    for_leaders.target_groups = [leaders]
    for_leaders.save_revision().publish()
    make_course(catalogue, "Hộ tịch", lessons=1)
    response = client.get(catalogue.url, {"group": "lanh-dao"})
    assert [c.title for c in response.context["courses"]] == ["Điều hành bằng văn bản điện tử"]
    response = client.get(catalogue.url, {"category": "khong-ton-tai"})
    assert list(response.context["courses"]) == []


def test_search_text_follows_published_edits(catalogue):
    course = make_course(catalogue, "Thư điện tử công vụ", lessons=1)
    course.summary = "Họp trực tuyến với các xã."
    course.save_revision().publish()
    assert CoursePage.objects.matching("hop truc tuyen").get().pk == course.pk


def test_unpublished_courses_and_lessons_are_hidden(client, catalogue):
    course = make_course(catalogue, "Khóa nháp", lessons=2)
    lesson = course.lessons().first()
    lesson.unpublish()
    assert lesson.title not in client.get(course.url).content.decode()
    course.unpublish()
    assert client.get(course.url).status_code == 404
    assert list(client.get(catalogue.url).context["courses"]) == []


def test_home_page_lists_courses(client, site, catalogue):
    make_course(catalogue, "Phần mềm quản lý hộ tịch", lessons=1)
    response = client.get("/")
    assert response.status_code == 200
    assert "Phần mềm quản lý hộ tịch" in response.content.decode()


def test_lesson_without_body_is_refused(db):
    lesson = LessonPage(title="Trống", body="[]")
    with pytest.raises(ValidationError):
        lesson.full_clean()


def test_publish_helper_builds_lessons_in_order(catalogue):
    course = make_course(catalogue, lessons=0)
    for title in ["Một", "Hai", "Ba"]:
        publish(course, LessonPage(title=title, body=lesson_body()))
    assert [lesson.title for lesson in course.lessons()] == ["Một", "Hai", "Ba"]


def test_a_new_course_can_be_previewed_before_it_is_saved(client, catalogue):
    """The editor's preview of the "add course" form renders the page without a database row."""
    from tests.factories import OfficialFactory

    trainer = OfficialFactory().user  # a trainer is an official too: the page asks for their enrolment
    trainer.is_superuser = trainer.is_staff = True
    trainer.save()
    client.force_login(trainer)
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

    form = nested_form_data(
        {
            "title": "Phần mềm một cửa điện tử",
            "slug": "mot-cua",
            "summary": "Tiếp nhận hồ sơ.",
            "objectives": streamfield([]),
            "estimated_minutes": 60,
            "comments": inline_formset([]),
        }
    )
    url = f"/admin/pages/add/content/coursepage/{catalogue.pk}/preview/"
    assert client.post(url, form).json() == {"is_valid": True, "is_available": True}
    page = client.get(url)
    assert page.status_code == 200
    assert "Phần mềm một cửa điện tử" in page.content.decode()
