import datetime
import shutil
import subprocess
import unicodedata
from io import BytesIO

import pytest
from django.utils import timezone
from pypdf import PdfReader

from lms.learning.models import Enrollment
from tests.conftest import skip_or_fail
from tests.factories import OfficialFactory, make_unit

HOLDER = "Nguyễn Thị Hồng Nhung"
UNIT = "Xã Đồng Tâm"


def completed_enrollment(course, official=None, *, completed_at=None, **official_fields):
    """A completed enrolment, written directly (no on-commit task): tests call the services."""
    official = official or OfficialFactory(**official_fields)
    return Enrollment.objects.create(
        official=official,
        unit_id=official.unit_id,
        course=course,
        course_title=course.title,
        completed_at=completed_at or timezone.now() - datetime.timedelta(hours=1),
    )


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path, monkeypatch):
    """A private storage of the test's own: the database rolls back, so serials repeat between tests."""
    from django.core.files.storage import storages

    from lms.certificates.models import Certificate

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**settings.STORAGES["private"], "OPTIONS": {"location": settings.PRIVATE_MEDIA_ROOT}},
    }
    monkeypatch.setattr(Certificate._meta.get_field("pdf"), "storage", storages["private"])
    return storages["private"]


@pytest.fixture
def enrollment(course):
    return completed_enrollment(course, full_name=HOLDER, unit=make_unit(name=UNIT))


def read_pdf(certificate):
    with certificate.pdf.open("rb") as handle:
        return handle.read()


def pdf_text(pdf_bytes):
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf_bytes)).pages)
    return unicodedata.normalize("NFC", text)


def page_image(pdf_bytes, tmp_path, dpi=150):
    """The first page as a Pillow image, drawn by Poppler's pdftoppm."""
    from PIL import Image

    if shutil.which("pdftoppm") is None:
        skip_or_fail("pdftoppm is missing: apt-get install poppler-utils")
    source = tmp_path / "page.pdf"
    source.write_bytes(pdf_bytes)
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(source), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    return Image.open(tmp_path / "page.png")
