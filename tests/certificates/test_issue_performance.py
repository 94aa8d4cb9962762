"""Issuing draws and signs outside the serial counter's lock: the number is taken and committed
first (like a sequence), the row is saved after a re-check under the enrolment's lock. What is
checked: an issue that lost a race or whose enrolment moved on throws its PDF away and leaves its
number unused (any database); on PostgreSQL, the counter and the enrolment are not locked while
the PDF is drawn, and issues for different enrolments draw at the same time."""

import threading
from io import BytesIO

import pytest
from django.core.files.images import ImageFile
from django.db import connection, transaction
from django.db.models import F
from PIL import Image as PILImage
from pypdf import PdfReader
from wagtail.images import get_image_model

from lms.certificates import rendering, services
from lms.certificates.models import Certificate, CertificateTemplate, SerialCounter
from lms.learning.models import Enrollment
from tests.certificates.conftest import completed_enrollment, read_pdf
from tests.concurrency import run_together
from tests.factories import make_course
from tests.support.db import postgres_only

on_postgresql = postgres_only("SQLite has no row locks to look at from another connection")


def stored_pdfs(settings):
    return sorted(path.name for path in (settings.PRIVATE_MEDIA_ROOT / "certificates").rglob("*.pdf"))


def while_drawing(monkeypatch, action):
    """Run ``action(certificate)`` at the start of the first render, then render as usual."""
    real_render = rendering.render_pdf
    seen = []

    def render(certificate, template):
        seen.append(certificate.number)
        if len(seen) == 1:
            action(certificate)
        return real_render(certificate, template)

    monkeypatch.setattr(rendering, "render_pdf", render)
    return seen


@pytest.mark.django_db
def test_a_certificate_saved_meanwhile_is_returned_and_ours_is_thrown_away(enrollment, monkeypatch, settings):
    # Another worker issues the same enrolment's certificate while this call draws its own.
    while_drawing(monkeypatch, lambda _certificate: services.issue_for_enrollment(enrollment.pk))

    certificate = services.issue_for_enrollment(enrollment.pk)

    assert Certificate.objects.get() == certificate
    assert certificate.number == 2  # the other call's: it took its number after ours
    assert stored_pdfs(settings) == [f"{certificate.serial}-r1.pdf"]  # ours (number 1) was deleted
    assert SerialCounter.objects.get().last_number == 2  # number 1 stays unused


@pytest.mark.django_db
def test_an_enrolment_reopened_while_drawing_gets_no_certificate(enrollment, monkeypatch, settings):
    while_drawing(monkeypatch, lambda _c: Enrollment.objects.filter(pk=enrollment.pk).update(completed_at=None))

    with pytest.raises(services.CertificateError):
        services.issue_for_enrollment(enrollment.pk)

    assert not Certificate.objects.exists()
    assert stored_pdfs(settings) == []
    assert SerialCounter.objects.get().last_number == 1


@pytest.mark.django_db
def test_an_enrolment_whose_cycle_moved_on_while_drawing_gets_its_new_cycles_certificate(
    enrollment, monkeypatch, settings
):
    seen = while_drawing(
        monkeypatch, lambda _c: Enrollment.objects.filter(pk=enrollment.pk).update(cycle=F("cycle") + 1)
    )

    certificate = services.issue_for_enrollment(enrollment.pk)

    assert seen == [1, 2]  # drawn again, with a new number
    assert (certificate.cycle, certificate.number) == (2, 2)
    assert Certificate.objects.get() == certificate
    assert stored_pdfs(settings) == [f"{certificate.serial}-r1.pdf"]


def _png(colour, name):
    buffer = BytesIO()
    PILImage.new("RGB", (120, 120), colour).save(buffer, format="PNG")
    return ImageFile(buffer, name=name)


def _logo_colours(pdf_bytes):
    page = PdfReader(BytesIO(pdf_bytes)).pages[0]
    return [image.image.convert("RGB").getpixel((60, 60)) for image in page.images if image.image.size == (120, 120)]


@pytest.mark.django_db
def test_template_pictures_are_cached_but_a_replaced_one_is_drawn_anew(catalogue, django_assert_num_queries):
    logo = get_image_model().objects.create(title="logo", file=_png((200, 0, 0), "logo.png"))
    CertificateTemplate.objects.create(
        name="Có logo", issuing_organisation="SỞ NỘI VỤ", signer_name="A", signer_title="B", logo=logo, is_default=True
    )
    courses = [make_course(catalogue, f"Khóa {n}", lessons=1) for n in range(3)]
    first = services.issue_for_enrollment(completed_enrollment(courses[0]).pk)
    certificate = services.issue_for_enrollment(completed_enrollment(courses[1]).pk)
    template = services.template_for(certificate.course)

    with django_assert_num_queries(0):  # the rendition is neither looked up nor read again
        again = rendering.render_pdf(certificate, template)

    # Replaced as the image admin does it: a new file, the old renditions dropped.
    logo.file = _png((0, 0, 200), "logo-moi.png")
    logo.save()
    logo.renditions.all().delete()
    replaced = services.issue_for_enrollment(completed_enrollment(courses[2]).pk)

    assert _logo_colours(read_pdf(first)) == _logo_colours(again) == [(200, 0, 0)]
    assert _logo_colours(read_pdf(replaced)) == [(0, 0, 200)]


# PostgreSQL: what another connection sees while a certificate is drawn ---------------------------


def from_another_connection(query, params):
    """Run ``query`` in a transaction of another connection (another thread); its rows or error."""
    outcome = {}

    def run():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(query, params)
                outcome["rows"] = cursor.fetchall()
        except Exception as error:  # reported to the test
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert not thread.is_alive()
    return outcome


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_serial_is_committed_and_nothing_is_locked_while_the_pdf_is_drawn(course, monkeypatch):
    enrollment = completed_enrollment(course)
    seen = {}

    def look(certificate):
        seen["counter"] = from_another_connection(
            "SELECT last_number FROM certificates_serialcounter WHERE year = %s FOR UPDATE NOWAIT",
            [certificate.year],
        )
        seen["enrollment"] = from_another_connection(
            "SELECT id FROM learning_enrollment WHERE id = %s FOR UPDATE NOWAIT", [enrollment.pk]
        )
        seen["in_transaction"] = connection.in_atomic_block

    while_drawing(monkeypatch, look)

    certificate = services.issue_for_enrollment(enrollment.pk)

    assert seen["counter"] == {"rows": [(certificate.number,)]}  # committed, and not locked
    assert seen["enrollment"] == {"rows": [(enrollment.pk,)]}
    assert seen["in_transaction"] is False


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_issues_for_different_enrolments_draw_at_the_same_time(catalogue, monkeypatch):
    enrollments = [completed_enrollment(make_course(catalogue, f"Khóa {n}", lessons=1)) for n in range(2)]
    # Both calls must be inside render_pdf together; with the counter locked while drawing, the
    # second would wait for the first to commit and the barrier would break.
    drawing = threading.Barrier(2, timeout=30)
    real_render = rendering.render_pdf

    def render(certificate, template):
        drawing.wait()
        return real_render(certificate, template)

    monkeypatch.setattr(rendering, "render_pdf", render)

    results, errors = run_together(2, lambda index, _prepared: services.issue_for_enrollment(enrollments[index].pk))

    assert errors == [None, None]
    assert sorted(certificate.number for certificate in results) == [1, 2]
    assert Certificate.objects.count() == 2
