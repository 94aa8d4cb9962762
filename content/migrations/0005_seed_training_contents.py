"""Seeds the five training contents (nội dung bồi dưỡng) of Nghị định 171/2025/NĐ-CP.

Idempotent: a content already there (by its code) is left as editors made it, so running the
migration again, or on a database where someone added them by hand, changes nothing. The codes
are those of content/models/training.py, copied here because a migration must not depend on
today's code."""

from django.db import migrations

CONTENTS = [
    ("ly-luan-chinh-tri", "Lý luận chính trị"),
    ("quoc-phong-va-an-ninh", "Quốc phòng và an ninh"),
    ("quan-ly-nha-nuoc", "Kiến thức quản lý nhà nước"),
    ("vi-tri-viec-lam", "Kiến thức, kỹ năng theo yêu cầu vị trí việc làm"),
    ("khoa-hoc-cong-nghe-ky-nang-so", "Khoa học, công nghệ, đổi mới sáng tạo, kỹ năng số, công nghệ số"),
]


def seed(apps, schema_editor):
    TrainingContent = apps.get_model("content", "TrainingContent")
    for order, (code, name) in enumerate(CONTENTS, start=1):
        TrainingContent.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0004_training_content_and_course_hours"),
    ]

    # Going back leaves the rows: the table itself goes with 0004.
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
