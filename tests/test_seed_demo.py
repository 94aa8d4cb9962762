from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from content.models import CoursePage, LessonPage
from lms.learning.models import Enrollment
from lms.people.models import Official, OrgUnit, PositionGroup

REQUIRED_COURSES = [
    "Chữ ký số chuyên dùng và chứng thư số",
    "Phần mềm quản lý văn bản và hồ sơ công việc, liên thông văn bản điện tử",
    "Phần mềm quản lý hộ tịch",
    "Cơ sở dữ liệu đất đai",
    "Phần mềm quản lý thu – chi ngân sách",
    "Thư điện tử công vụ và hội nghị trực tuyến",
    "Dịch vụ công trực tuyến và một cửa điện tử",
    "Kỹ năng sử dụng CNTT cơ bản (IU01–IU06)",
    "An toàn thông tin cho cán bộ, công chức",
]


def login_request():
    # The login throttle (django-axes) checks every authentication against the client's request.
    return RequestFactory().post("/dang-nhap/")


def snapshot():
    return (
        OrgUnit.objects.count(),
        Official.objects.count(),
        CoursePage.objects.count(),
        LessonPage.objects.count(),
        Enrollment.objects.count(),
    )


def test_seed_demo_builds_a_believable_province_and_is_idempotent(db, client, capsys):
    call_command("seed_demo", officials=200)
    output = capsys.readouterr().out
    for username in ["hocvien", "giangvien", "nhansu", "quantri"]:
        assert username in output
        assert authenticate(request=login_request(), username=username, password="Demo@2026") is not None
    assert "Demo@2026" in output

    titles = set(CoursePage.objects.live().values_list("title", flat=True))
    assert set(REQUIRED_COURSES) <= titles
    for course in CoursePage.objects.live():
        lessons = list(course.lessons())
        assert len(lessons) >= 3, course.title
        assert all(len(str(lesson.body)) > 1500 for lesson in lessons), course.title

    assert Official.objects.count() >= 200
    groups = PositionGroup.objects.all()
    assert {g.code for g in groups} == {"lanh-dao", "cntt", "cong-chuc", "vien-chuc"}
    assert all(g.officials.exists() for g in groups)

    province = OrgUnit.objects.get(kind=OrgUnit.Kind.PROVINCE)
    assert province.get_children().filter(kind=OrgUnit.Kind.DEPARTMENT).count() >= 5
    assert province.get_children().filter(kind=OrgUnit.Kind.COMMUNE, valid_to__isnull=True).count() >= 5
    district = OrgUnit.objects.get(kind=OrgUnit.Kind.DISTRICT)
    assert str(district.valid_to) == "2025-06-30"
    assert district.get_children().count() == 3

    before = snapshot()
    call_command("seed_demo", officials=200)
    assert snapshot() == before

    response = client.get("/")
    assert response.status_code == 200
    assert "Công chức số" in response.content.decode()
    assert client.get("/khoa-hoc/", {"q": "ho tich"}).context["courses"][0].title == "Phần mềm quản lý hộ tịch"


def test_seed_demo_scales_and_takes_a_password(db, capsys):
    call_command("seed_demo", officials=320, password="Khac@2027")
    assert Official.objects.count() >= 320
    assert authenticate(request=login_request(), username="hocvien", password="Khac@2027") is not None
    assert "Khac@2027" in capsys.readouterr().out
