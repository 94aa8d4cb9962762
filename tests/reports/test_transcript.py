"""The training record of one official (/nhan-su/bao-cao/can-bo/<pk>/ and its PDF): who may see it,
what it says (statuses as the dashboard counts them, the best final-test score of the cycle, the
certificates and their statuses), that it costs the same queries however long it is, and that the
PDF keeps the Vietnamese."""

import datetime
import io
import unicodedata
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from content.models import QuizPage
from lms.certificates.models import Certificate
from lms.learning.models import Enrollment, QuizAttempt
from lms.people import roles
from lms.reports import transcripts
from tests.factories import make_course, placed_official
from tests.learning.quiz_helpers import make_quiz
from tests.support.html import soup_of
from tests.support.people import administrator, hr_of
from tests.support.queries import count_queries

from .test_lists import in_english

MOMENT = datetime.datetime(2025, 3, 10, 2, 0, tzinfo=datetime.UTC)  # 09:00 on 10/03/2025 in Vietnam


def page_url(official):
    return reverse("reports:transcript", args=[official.pk])


def pdf_url(official):
    return reverse("reports:transcript_pdf", args=[official.pk])


def enrol(official, course, **fields):
    return Enrollment.objects.create(
        official=official, unit=official.unit, course=course, course_title=course.title, **fields
    )


def attempt(enrollment, quiz, number, score, submitted_at=MOMENT):
    return QuizAttempt.objects.create(
        enrollment=enrollment,
        quiz=quiz,
        quiz_title=quiz.title,
        number=number,
        submitted_at=submitted_at,
        score=None if score is None else Decimal(score),
        pass_mark=70,
        passed=score is not None and Decimal(score) >= 70,
    )


def certificate(enrollment, number, revision=1, **fields):
    """A certificate row; its file is never read here."""
    return Certificate.objects.create(
        enrollment=enrollment,
        official=enrollment.official,
        course=enrollment.course,
        serial=f"CCS-2025-{number:06d}",
        year=2025,
        number=number,
        revision=revision,
        verification_code=f"code-{number}-{revision}",
        issued_on=fields.pop("issued_on", datetime.date(2025, 3, 10)),
        holder_name=enrollment.official.full_name,
        holder_employee_code=enrollment.official.employee_code,
        unit_name=enrollment.official.unit.name,
        course_title=enrollment.course_title,
        issuer_name="Sở Nội vụ",
        sha256=f"{number:032d}{revision:032d}",
        pdf=f"certificates/test/{number}-{revision}.pdf",
        **fields,
    )


@pytest.fixture
def world(clock, tree, groups, course, other_course, catalogue):
    """Hạnh of commune A: one course completed (final test 60 then 85.5, a practice quiz at 99;
    certificate reissued once), one assigned and overdue, one in progress (revoked certificate of an
    earlier cycle), one not started (expired certificate). Bình of commune B: one course, one
    certificate, one attempt."""
    third = make_course(catalogue, title="Dịch vụ công trực tuyến", lessons=1)
    fourth = make_course(catalogue, title="Quản lý văn bản điều hành", lessons=1)
    final, practice = make_quiz(course), make_quiz(course, title="Luyện tập", kind=QuizPage.Kind.PRACTICE)
    hanh = placed_official(tree.a, position_group=groups.staff, full_name="Lò Thị Hạnh", employee_code="A-0001")
    binh = placed_official(tree.b, position_group=groups.staff, full_name="Trần Văn Bình", employee_code="B-0001")
    now = timezone.now()
    done = enrol(hanh, course, completed_at=MOMENT, last_activity_at=MOMENT)
    late = enrol(hanh, other_course, source=Enrollment.Source.ASSIGNMENT, due_date=datetime.date(2025, 3, 1))
    going = enrol(hanh, third, last_activity_at=now, cycle=2, cycle_started_at=now - datetime.timedelta(days=1))
    fresh = enrol(hanh, fourth)
    attempt(done, final, 1, "60.00")
    attempt(done, final, 2, "85.50")
    attempt(done, practice, 1, "99.00")
    attempt(done, final, 3, None, submitted_at=None)  # still open
    certificate(done, 1, revision=1, is_current=False, superseded_at=now)
    certificate(done, 1, revision=2, issued_on=datetime.date(2025, 3, 12))
    certificate(going, 2, revoked_at=now, cycle=1)
    certificate(fresh, 3, issued_on=datetime.date(2023, 3, 1), expires_on=datetime.date(2025, 3, 1))
    theirs = enrol(binh, course, completed_at=MOMENT)
    attempt(theirs, final, 1, "100.00")
    certificate(theirs, 4)
    tree.hanh, tree.binh, tree.final, tree.practice = hanh, binh, final, practice
    tree.enrollments = {"done": done, "late": late, "going": going, "fresh": fresh}
    return tree


def rows(response, heading_id):
    table = soup_of(response).find("h2", id=heading_id).find_next("table")
    return [
        [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
        for row in table.select("tbody tr")
        if not row.select(".empty")
    ]


def pdf_text(content):
    """The words of the PDF, one space apart (table cells wrap long titles)."""
    reader = PdfReader(io.BytesIO(content))
    return unicodedata.normalize("NFC", " ".join(" ".join(page.extract_text().split()) for page in reader.pages))


# Who may see it -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [page_url, pdf_url])
def test_anonymous_users_are_sent_to_log_in(client, world, url):
    response = client.get(url(world.hanh))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", [page_url, pdf_url])
def test_officials_are_refused_even_their_own(client, world, url):
    world.hanh.user.groups.add(roles.ensure_roles()[roles.OFFICIAL])
    client.force_login(world.hanh.user)
    assert client.get(url(world.hanh)).status_code == 403


@pytest.mark.parametrize("url", [page_url, pdf_url])
def test_hr_of_b_gets_a_404_for_an_official_of_a(client, world, url):
    client.force_login(hr_of(world.b))
    assert client.get(url(world.hanh)).status_code == 404
    assert client.get(url(world.binh)).status_code == 200


@pytest.mark.parametrize("url", [page_url, pdf_url])
def test_hr_above_and_administrators_see_it(client, world, url):
    client.force_login(hr_of(world.province))
    assert client.get(url(world.hanh)).status_code == 200
    client.force_login(administrator())
    assert client.get(url(world.hanh)).status_code == 200


def test_unknown_officials_are_not_found(client, world):
    client.force_login(hr_of(world.province))
    for pk in (0, 99999999, 99999999999999999999):
        assert client.get(f"/nhan-su/bao-cao/can-bo/{pk}/").status_code == 404, pk
        assert client.get(f"/nhan-su/bao-cao/can-bo/{pk}.pdf").status_code == 404, pk


# What it says ---------------------------------------------------------------------------------


def test_the_page_lists_every_enrolment_with_its_status_and_best_final_score(client, world):
    in_english(client).force_login(hr_of(world.a))
    response = client.get(page_url(world.hanh))
    page = soup_of(response)
    assert page.h1.get_text(strip=True) == "Training record: Lò Thị Hạnh"
    facts = [div.get_text(" ", strip=True) for div in page.select("dl.facts div")]
    assert facts[:3] == ["Employee code A-0001", "Unit Xã An", "Position group Công chức"]
    assert rows(response, "transcript-courses") == [
        ["Chữ ký số", "Completed", "15/03/2025", "—", "10/03/2025", "0", "1", "85.5%"],
        ["Hộ tịch", "Overdue", "15/03/2025", "01/03/2025", "—", "—", "1", "—"],
        ["Dịch vụ công trực tuyến", "In progress", "15/03/2025", "—", "—", "—", "2", "—"],
        ["Quản lý văn bản điều hành", "Not started", "15/03/2025", "—", "—", "—", "1", "—"],
    ]
    assert "Trần Văn Bình" not in response.content.decode()


def test_certificates_show_their_status_and_link_to_the_hr_page(client, world):
    in_english(client).force_login(hr_of(world.a))
    response = client.get(page_url(world.hanh))
    assert rows(response, "transcript-certificates") == [
        ["CCS-2025-000001 (revision 2)", "Chữ ký số", "12/03/2025", "—", "Valid"],
        ["CCS-2025-000002", "Dịch vụ công trực tuyến", "10/03/2025", "—", "Revoked"],
        ["CCS-2025-000001", "Chữ ký số", "10/03/2025", "—", "Replaced by a newer certificate"],
        ["CCS-2025-000003", "Quản lý văn bản điều hành", "01/03/2023", "01/03/2025", "Expired"],
    ]
    table = soup_of(response).find("h2", id="transcript-certificates").find_next("table")
    links = [a["href"] for a in table.select("tbody a")]
    certificates = Certificate.objects.filter(official=world.hanh).order_by("-issued_on", "-number", "-revision")
    assert links == [reverse("hr_certificates:detail", args=[c.pk]) for c in certificates]
    assert client.get(links[0]).status_code == 200


def test_the_best_score_is_of_the_final_test_in_the_current_cycle(world):
    done = world.enrollments["done"]
    assert transcripts.best_final_scores(world.hanh) == {done.pk: Decimal("85.50")}  # not the practice's 99
    Enrollment.objects.filter(pk=done.pk).update(cycle=2, cycle_started_at=MOMENT + datetime.timedelta(hours=1))
    assert transcripts.best_final_scores(world.hanh) == {}  # a new cycle starts without a score
    attempt(done, world.final, 4, "72.00", submitted_at=MOMENT + datetime.timedelta(hours=2))
    assert transcripts.best_final_scores(world.hanh) == {done.pk: Decimal("72.00")}


def test_statuses_are_the_dashboard_s(world):
    """An overdue enrolment that was started is overdue here too; a reopened cycle without activity
    since is not started, as the tallies count it."""
    going = world.enrollments["going"]
    Enrollment.objects.filter(pk=going.pk).update(due_date=datetime.date(2025, 3, 14))
    Enrollment.objects.filter(pk=world.enrollments["done"].pk).update(
        completed_at=None, cycle=2, cycle_started_at=MOMENT
    )
    record = transcripts.transcript(world.hanh)
    assert [line.status for line in record.lines] == ["not_started", "overdue", "overdue", "not_started"]


def test_the_hr_official_page_links_to_the_record(client, world):
    client.force_login(hr_of(world.a))
    page = soup_of(client.get(reverse("people:official_detail", args=[world.hanh.pk])))
    assert page.find("a", href=page_url(world.hanh))


# Queries --------------------------------------------------------------------------------------


def test_the_record_costs_the_same_queries_however_long_it_is(client, world, catalogue):
    client.force_login(hr_of(world.province))
    short = {url: count_queries(client, url(world.binh)) for url in (page_url, pdf_url)}  # 1 enrolment, 1 certificate
    for n in range(5):
        extra = enrol(world.hanh, make_course(catalogue, title=f"Khóa {n}", lessons=1), completed_at=MOMENT)
        certificate(extra, 10 + n)
    long = {url: count_queries(client, url(world.hanh)) for url in (page_url, pdf_url)}  # 9 and 9
    assert long == short
    # 5 of the record's own (official, enrolments, scores, plan obligations, certificates), those of
    # every HR request (session, user, rights, scope) and, on the page, the header's (the bell's count).
    assert (short[page_url], short[pdf_url]) == (16, 11)


# The PDF --------------------------------------------------------------------------------------


def test_the_pdf_keeps_the_vietnamese_and_embeds_dejavu(client, world):
    client.force_login(hr_of(world.a))
    response = client.get(pdf_url(world.hanh))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="qua-trinh-dao-tao-A-0001.pdf"'
    text = pdf_text(response.content)
    for expected in ("Lò Thị Hạnh", "A-0001", "Xã An", "Chữ ký số", "Quản lý văn bản điều hành", "CCS-2025-000003"):
        assert expected in text, expected
    assert "Trần Văn Bình" not in text
    reader = PdfReader(io.BytesIO(response.content))
    first = reader.pages[0]
    width, height = float(first.mediabox.width), float(first.mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 portrait
    drawn = set()

    def visit(text, _cm, _tm, font, _size):
        if text.strip():
            drawn.add(font.get_object()["/BaseFont"] if font else None)

    first.extract_text(visitor_text=visit)
    assert drawn and all(name and "DejaVu" in name for name in drawn), drawn  # never Helvetica


def test_the_pdf_file_name_is_safe_whatever_the_employee_code(client, world):
    world.hanh.employee_code = 'A 01/"x"'
    world.hanh.save()
    client.force_login(hr_of(world.a))
    response = client.get(pdf_url(world.hanh))
    assert response["Content-Disposition"] == 'inline; filename="qua-trinh-dao-tao-A-01-x.pdf"'
