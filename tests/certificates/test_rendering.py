"""The certificate as a document: Vietnamese text in an embedded font, a QR code that scans."""

import datetime
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.images import ImageFile
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import pgettext
from PIL import Image as PILImage
from pypdf import PdfReader
from wagtail.images import get_image_model

from lms.certificates import rendering, services
from lms.certificates.models import CertificateTemplate
from tests.certificates.conftest import HOLDER, UNIT, page_image, pdf_text, read_pdf

pytestmark = pytest.mark.django_db


def test_the_pdf_text_has_the_holders_vietnamese_name_and_the_facts(enrollment):
    certificate = services.issue_for_enrollment(enrollment.pk)

    text = pdf_text(read_pdf(certificate))

    assert HOLDER in text
    assert UNIT in text
    assert enrollment.course.title in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert certificate.serial in text
    assert certificate.issued_on.strftime("%d/%m/%Y") in text


def test_every_glyph_is_drawn_in_an_embedded_dejavu_font(enrollment):
    certificate = services.issue_for_enrollment(enrollment.pk)
    page = PdfReader(BytesIO(read_pdf(certificate))).pages[0]

    used = set()

    def visit(text, _cm, _tm, font, _size):
        if text.strip():
            used.add(font.get_object()["/BaseFont"] if font else None)

    page.extract_text(visitor_text=visit)
    assert used, "no text was found"
    assert all(name and "DejaVu" in name for name in used), used  # never Helvetica, which lacks Vietnamese
    for resource in page["/Resources"]["/Font"].values():
        font = resource.get_object()
        if font["/BaseFont"] in used:
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"


def test_the_qr_code_scans_to_the_public_verification_address(enrollment, tmp_path):
    import zxingcpp

    certificate = services.issue_for_enrollment(enrollment.pk)

    codes = zxingcpp.read_barcodes(page_image(read_pdf(certificate), tmp_path))

    assert [code.text for code in codes] == [f"http://testserver/verify/{certificate.verification_code}/"]
    assert rendering.verify_url(certificate) == codes[0].text


def test_the_body_is_plain_text_with_its_lines_kept():
    lines = rendering.render_body("<b>{name}</b> & co\n\nĐơn vị: {unit}", {"name": "Lò <Thị> Hạnh", "unit": "Xã A"})

    assert [line.html for line in lines] == [
        '&lt;b&gt;<span class="ph-name">Lò &lt;Thị&gt; Hạnh</span>&lt;/b&gt; &amp; co',
        "",
        'Đơn vị: <span class="ph-unit">Xã A</span>',
    ]
    assert rendering.render_body("{name}", {"name": "A"})[0].css == "only-name"


def test_a_template_body_prints_as_written(course, enrollment):
    template = CertificateTemplate.objects.create(
        name="Thử",
        title="CHỨNG NHẬN HOÀN THÀNH",
        issuing_organisation="SỞ NỘI VỤ TỈNH MINH SƠN",
        signer_name="Trần Văn Bình",
        signer_title="GIÁM ĐỐC",
        body="Cấp cho <i>{name}</i>\nSố hiệu {serial}, hết hạn: {expires}",
    )
    course.certificate_template = template
    course.save()

    certificate = services.issue_for_enrollment(enrollment.pk)
    text = pdf_text(read_pdf(certificate))

    assert f"Cấp cho <i>{HOLDER}</i>" in text
    with translation.override("vi"):
        never = pgettext("certificate", "no expiry date")
    assert f"Số hiệu {certificate.serial}, hết hạn: {never}" in text
    assert "CHỨNG NHẬN HOÀN THÀNH" in text and "Trần Văn Bình" in text
    assert certificate.template == template and certificate.issuer_name == "SỞ NỘI VỤ TỈNH MINH SƠN"


def test_long_names_titles_and_bodies_still_fit_on_one_page(enrollment):
    certificate = services.issue_for_enrollment(enrollment.pk)
    template = CertificateTemplate(
        name="Dài",
        title="GIẤY CHỨNG NHẬN HOÀN THÀNH KHÓA BỒI DƯỠNG KIẾN THỨC QUẢN LÝ NHÀ NƯỚC",
        issuing_organisation="ỦY BAN NHÂN DÂN TỈNH MINH SƠN\nSỞ NỘI VỤ",
        signer_name="Nguyễn Văn Đức",
        signer_title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
        body="\n".join(
            ["Chứng nhận ông/bà", "{name}", "Đơn vị: {unit}", "đã hoàn thành khóa bồi dưỡng", "{course}"]
            + ["Tổ chức tại Trường Chính trị tỉnh Minh Sơn, xếp loại Giỏi, điểm trung bình 9,2 trên 10."] * 3
        ),
    )
    certificate.holder_name = "Tôn Nữ Thị Phương Quỳnh Hoàng Yến Nguyễn Phạm"
    certificate.unit_name = (
        "Phòng Văn hóa - Xã hội, Ủy ban nhân dân xã Sơn Hà, tỉnh Minh Sơn (trước đây là huyện Đồng Tâm)"
    )
    certificate.course_title = ("Phần mềm quản lý văn bản và hồ sơ công việc, liên thông văn bản điện tử " * 4)[:255]
    template.full_clean(validate_constraints=False)

    pdf = rendering.render_pdf(certificate, template)

    assert len(PdfReader(BytesIO(pdf)).pages) == 1
    assert certificate.holder_name in pdf_text(pdf)


def test_a_body_too_long_for_the_page_is_refused():
    template = CertificateTemplate(
        name="x", issuing_organisation="A", signer_name="B", signer_title="C", body="\n".join(["{name}"] * 9)
    )

    with pytest.raises(ValidationError) as error:
        template.full_clean(validate_constraints=False)
    assert "body" in error.value.message_dict


@pytest.mark.parametrize("body", ["{nmae}", "Ngày {date:%d}", "{name!r}", "{}", "{0}", "Xin chào {name"])
def test_unknown_placeholders_and_broken_braces_are_refused(body):
    template = CertificateTemplate(name="x", issuing_organisation="A", signer_name="B", signer_title="C", body=body)

    with pytest.raises(ValidationError) as error:
        template.full_clean()

    assert "body" in error.value.message_dict


def test_every_documented_placeholder_is_accepted():
    body = "{name} {course} {date} {serial} {unit} {expires} {{braces}}"
    CertificateTemplate(name="x", issuing_organisation="A", signer_name="B", signer_title="C", body=body).full_clean()


def test_one_default_template_at_a_time():
    first = CertificateTemplate.objects.create(
        name="A", issuing_organisation="A", signer_name="B", signer_title="C", is_default=True
    )
    second = CertificateTemplate.objects.create(
        name="B", issuing_organisation="A", signer_name="B", signer_title="C", is_default=True
    )

    first.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)
    assert CertificateTemplate.default() == second
    with pytest.raises(IntegrityError), transaction.atomic():
        CertificateTemplate.objects.filter(pk=first.pk).update(is_default=True)


def _image(title, colour):
    buffer = BytesIO()
    PILImage.new("RGBA", (120, 120), colour).save(buffer, format="PNG")
    return get_image_model().objects.create(title=title, file=ImageFile(buffer, name=f"{title}.png"))


def test_logo_seal_and_background_are_drawn_from_the_media_storage(course, enrollment):
    template = CertificateTemplate.objects.create(
        name="Có hình",
        issuing_organisation="SỞ NỘI VỤ",
        signer_name="Trần Văn Bình",
        signer_title="GIÁM ĐỐC",
        logo=_image("logo", (200, 0, 0, 255)),
        seal=_image("seal", (200, 0, 0, 128)),
        background=_image("background", (240, 230, 200, 255)),
        is_default=True,
    )

    certificate = services.issue_for_enrollment(enrollment.pk)
    page = PdfReader(BytesIO(read_pdf(certificate))).pages[0]

    assert certificate.template == template
    images = [
        name for name, image in page["/Resources"]["/XObject"].items() if image.get_object()["/Subtype"] == "/Image"
    ]
    assert len(images) >= 3, images  # the QR code, the logo and the seal (the background is a form)


def test_dates_print_day_first():
    assert rendering.format_date(datetime.date(2026, 3, 5)) == "05/03/2026"
