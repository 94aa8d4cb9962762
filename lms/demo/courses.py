"""Publishes the demo site: home page, catalogue and the courses written in content/demo/courses/."""

import io
import json
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.images import ImageFile
from django.db import transaction
from wagtail.images import get_image_model
from wagtail.models import Site

from content.models import (
    Competency,
    CourseCategory,
    CourseIndexPage,
    CoursePage,
    HomePage,
    LessonPage,
    TrainingContent,
)
from content.models import training as contents
from content.tree import ensure_wagtail_base
from lms.core.text import vi_slugify
from lms.people.models import PositionGroup

from . import pictures

COURSE_DIR = Path(settings.BASE_DIR) / "content" / "demo" / "courses"

COMPETENCIES = [
    ("IU01", "Hiểu biết về CNTT cơ bản"),
    ("IU02", "Sử dụng máy tính cơ bản"),
    ("IU03", "Xử lý văn bản cơ bản"),
    ("IU04", "Sử dụng bảng tính cơ bản"),
    ("IU05", "Sử dụng trình chiếu cơ bản"),
    ("IU06", "Sử dụng Internet cơ bản"),
    ("IU07", "Xử lý văn bản nâng cao"),
    ("IU08", "Sử dụng bảng tính nâng cao"),
    ("IU09", "Sử dụng trình chiếu nâng cao"),
    ("IU10", "Sử dụng hệ quản trị cơ sở dữ liệu"),
    ("IU11", "Thiết kế đồ họa hai chiều"),
    ("IU12", "Biên tập ảnh"),
    ("IU13", "Biên tập trang thông tin điện tử"),
    ("IU14", "An toàn, bảo mật thông tin"),
    ("IU15", "Sử dụng phần mềm kế hoạch dự án"),
]

# Hours (số tiết) and training content (Nghị định 171/2025/NĐ-CP) of each demo course, by slug:
# the software of a post counts as job-position knowledge, the skills every official needs as digital.
TRAINING = {
    "chu-ky-so-chuyen-dung": (8, contents.DIGITAL_SKILLS),
    "quan-ly-van-ban-lien-thong": (8, contents.JOB_POSITION),
    "phan-mem-quan-ly-ho-tich": (12, contents.JOB_POSITION),
    "co-so-du-lieu-dat-dai": (12, contents.JOB_POSITION),
    "phan-mem-thu-chi-ngan-sach": (12, contents.JOB_POSITION),
    "thu-dien-tu-va-hop-truc-tuyen": (6, contents.DIGITAL_SKILLS),
    "dich-vu-cong-truc-tuyen": (8, contents.DIGITAL_SKILLS),
    "ky-nang-cntt-co-ban": (16, contents.DIGITAL_SKILLS),
    "an-toan-thong-tin": (4, contents.DIGITAL_SKILLS),
}
# The names the migration content.0005 seeds, for a database where an editor deleted one.
CONTENT_NAMES = {
    contents.JOB_POSITION: ("Kiến thức, kỹ năng theo yêu cầu vị trí việc làm", 4),
    contents.DIGITAL_SKILLS: ("Khoa học, công nghệ, đổi mới sáng tạo, kỹ năng số, công nghệ số", 5),
}

HOME_INTRO = (
    "Học trực tuyến các hệ thống công nghệ thông tin của chính quyền điện tử: chữ ký số, quản lý văn bản, "
    "hộ tịch, đất đai, ngân sách, thư công vụ, dịch vụ công và một cửa điện tử. Học mọi lúc, trên điện thoại "
    "hay máy tính; mỗi khóa học hoàn thành đều được ghi nhận."
)
CATALOGUE_INTRO = "Các khóa học dành cho cán bộ, công chức, viên chức (CBCCVC) tỉnh Minh Sơn."


def load_course_files():
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(COURSE_DIR.glob("*.json"))]


def _image(title, png, filename):
    Image = get_image_model()
    existing = Image.objects.filter(title=title).first()
    if existing:
        return existing
    return Image.objects.create(title=title, file=ImageFile(io.BytesIO(png), name=filename))


def _publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


@transaction.atomic
def build_site():
    """Home page and catalogue; the default Wagtail welcome page is replaced."""
    home = HomePage.objects.first()
    if home is None:
        root = ensure_wagtail_base()
        home = _publish(root, HomePage(title="Công chức số", slug="trang-chu", intro=HOME_INTRO))
        site = Site.objects.filter(is_default_site=True).first() or Site(
            hostname="localhost", port=80, is_default_site=True
        )
        site.root_page = home
        site.site_name = "Công chức số"
        site.save()
        for page in root.get_children().exclude(pk=home.pk).filter(depth=2, slug="home"):
            page.delete()
    catalogue = CourseIndexPage.objects.child_of(home).first()
    if catalogue is None:
        catalogue = _publish(home, CourseIndexPage(title="Khóa học", slug="khoa-hoc", intro=CATALOGUE_INTRO))
    for code, name in COMPETENCIES:
        Competency.objects.update_or_create(code=code, defaults={"name": name})
    return home, catalogue


def _lesson_body(blocks, course_slug, lesson_slug):
    """Turn the JSON blocks into StreamField data, drawing an illustrative screen where asked."""
    body = []
    for index, block in enumerate(blocks):
        if block["type"] == "procedure":
            steps = []
            for number, step in enumerate(block["value"]["steps"], start=1):
                value = {"text": step["text"], "screenshot": None, "screenshot_alt": ""}
                screen = step.get("screen")
                if screen:
                    png = pictures.screen(screen["window"], screen.get("lines", []), screen.get("button", ""))
                    title = f"{course_slug}/{lesson_slug} — bước {number} ({index})"
                    value["screenshot"] = _image(title, png, f"{lesson_slug}-{index}-{number}.png").pk
                    value["screenshot_alt"] = screen.get("alt") or screen["window"]
                steps.append({"type": "item", "value": value, "id": str(uuid.uuid4())})
            body.append({"type": "procedure", "value": {"title": block["value"]["title"], "steps": steps}})
        else:
            body.append({"type": block["type"], "value": block["value"]})
    return json.dumps(body)


def training_facts(slug):
    """``(hours, TrainingContent)`` of the demo course ``slug`` (a course not listed: 4 digital hours)."""
    hours, code = TRAINING.get(slug, (4, contents.DIGITAL_SKILLS))
    name, order = CONTENT_NAMES[code]
    content, _ = TrainingContent.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
    return hours, content


def _fill_training_facts(course):
    """Give a course seeded before courses had hours its hours and training content, once: a course
    that has either, or a draft waiting, is left as trainers made it."""
    if course.hours or course.content_category_id or course.has_unpublished_changes:
        return
    course.hours, course.content_category = training_facts(course.slug)
    course.save_revision().publish()


@transaction.atomic
def build_course(catalogue, data, colour_index):
    """Publish one course with its lessons. An existing course is left as trainers made it (only
    given the hours and training content it lacks)."""
    slug = data.get("slug") or vi_slugify(data["title"])
    existing = CoursePage.objects.child_of(catalogue).filter(slug=slug).first()
    if existing:
        _fill_training_facts(existing)
        return existing, False
    hours, content = training_facts(slug)
    category, _ = CourseCategory.objects.get_or_create(name=data["category"], defaults={"sort_order": colour_index})
    cover = _image(
        f"Ảnh bìa — {data['title']}",
        pictures.cover(data["title"], data["category"], colour_index),
        f"{slug}-cover.png",
    )
    course = CoursePage(
        title=data["title"],
        slug=slug,
        summary=data["summary"],
        objectives=json.dumps([{"type": "objective", "value": text} for text in data.get("objectives", [])]),
        category=category,
        estimated_minutes=data.get("duration_minutes", 60),
        hours=hours,
        content_category=content,
        cover_image=cover,
    )
    course.target_groups = list(PositionGroup.objects.filter(code__in=data.get("target_groups", [])))
    course.competencies = list(Competency.objects.filter(code__in=data.get("competency_codes", [])))
    _publish(catalogue, course)
    for lesson in data["lessons"]:
        _publish(
            course,
            LessonPage(
                title=lesson["title"],
                slug=lesson.get("slug") or vi_slugify(lesson["title"]),
                summary=lesson.get("summary", ""),
                estimated_minutes=lesson.get("duration_minutes", 15),
                body=_lesson_body(lesson["body"], slug, lesson.get("slug", "")),
            ),
        )
    return course, True


def build_courses(catalogue):
    created = 0
    for index, data in enumerate(load_course_files()):
        _course, was_created = build_course(catalogue, data, index)
        created += was_created
    return created
