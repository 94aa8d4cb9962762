"""Seed the editable lists of job positions and leadership titles (a frozen copy of
``lms.people.positions``). Idempotent: an entry whose code exists is left as an administrator
made it. Reversing keeps the rows: officials may already point at them."""

from django.db import migrations

JOB_POSITIONS = (
    ("tu-phap-ho-tich", "Chuyên viên tư pháp – hộ tịch", 10),
    ("dia-chinh", "Chuyên viên địa chính", 20),
    ("ke-toan-ngan-sach-xa", "Kế toán ngân sách xã", 30),
    ("van-thu-luu-tru", "Văn thư – lưu trữ", 40),
    ("cong-nghe-thong-tin", "Chuyên viên công nghệ thông tin", 50),
    ("mot-cua", "Chuyên viên một cửa", 60),
)
LEADERSHIP_TITLES = (
    ("chu-tich-ubnd-xa", "Chủ tịch UBND xã", 10),
    ("pho-chu-tich-ubnd-xa", "Phó Chủ tịch UBND xã", 20),
    ("giam-doc-so", "Giám đốc sở", 30),
    ("pho-giam-doc-so", "Phó Giám đốc sở", 40),
    ("truong-phong", "Trưởng phòng", 50),
    ("pho-truong-phong", "Phó Trưởng phòng", 60),
)


def seed(apps, schema_editor):
    for model_name, rows in (("JobPosition", JOB_POSITIONS), ("LeadershipTitle", LEADERSHIP_TITLES)):
        model = apps.get_model("people", model_name)
        for code, name, order in rows:
            model.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_job_position_and_title"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
