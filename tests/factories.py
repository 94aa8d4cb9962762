"""Factories for test data; pages are built with helpers because Wagtail pages live in a tree."""

import datetime
import itertools
import json

import factory
from django.contrib.auth import get_user_model

from content.models import CourseIndexPage, CoursePage, HomePage, LessonPage
from content.tree import ensure_wagtail_base
from lms.people.models import Official, OrgUnit, Placement, PositionGroup

_unit_codes = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password("Mat-khau-2026")


class PositionGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PositionGroup
        django_get_or_create = ("code",)

    code = "cong-chuc"
    name = "Công chức"


def make_unit(parent=None, name="Xã Đồng Tâm", kind=OrgUnit.Kind.COMMUNE, **fields):
    fields = {"name": name, "kind": kind, "code": f"T-{next(_unit_codes):05d}", **fields}
    return parent.add_child(**fields) if parent else OrgUnit.add_root(**fields)


class OfficialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Official

    user = factory.SubFactory(UserFactory)
    full_name = "Nguyễn Thị Hồng Nhung"
    employee_code = factory.Sequence(lambda n: f"CB-{n:06d}")
    unit = factory.LazyFunction(lambda: make_unit())
    position_group = factory.SubFactory(PositionGroupFactory)


def publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def lesson_body(text="Nội dung bài học."):
    return json.dumps(
        [
            {"type": "heading", "value": "Dùng để làm gì"},
            {"type": "text", "value": f"<p>{text}</p>"},
            {"type": "callout", "value": {"kind": "tip", "title": "Mẹo", "text": "<p>Ghi nhớ mã PIN.</p>"}},
            {
                "type": "procedure",
                "value": {
                    "title": "Các bước",
                    "steps": [
                        {
                            "type": "item",
                            "id": "0b1c6f5e-5f1a-4d0e-9d53-1f2a3b4c5d6e",
                            "value": {"text": "<p>Bấm <b>Ký số</b>.</p>", "screenshot": None, "screenshot_alt": ""},
                        }
                    ],
                },
            },
        ]
    )


def make_course(catalogue, title="Chữ ký số chuyên dùng", lessons=3, summary="Ký số văn bản đi.", **fields):
    course = publish(catalogue, CoursePage(title=title, summary=summary, **fields))
    for number in range(1, lessons + 1):
        publish(course, LessonPage(title=f"Bài {number}: {title}", body=lesson_body()))
    return course


def lessons_of(course):
    return list(course.lessons())


def site_tree():
    """Home page and catalogue as the default site's root, like the demo."""
    from wagtail.models import Site

    root = ensure_wagtail_base()
    home = publish(root, HomePage(title="Công chức số", slug="trang-chu"))
    Site.objects.update_or_create(is_default_site=True, defaults={"root_page": home, "hostname": "localhost"})
    catalogue = publish(home, CourseIndexPage(title="Khóa học", slug="khoa-hoc"))
    return home, catalogue


def placed_official(unit, since=None, **fields):
    """An official of ``unit`` with the open placement the import and the seed would have given them."""
    official = OfficialFactory(unit=unit, **fields)
    Placement.objects.create(official=official, unit=unit, started_on=since or datetime.date(2024, 1, 1))
    return official
