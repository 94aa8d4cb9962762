"""Signatures: made with the configured key, checked against the configured root, and a file that
was touched, signed by someone else or is not a certificate at all is told apart."""

import asyncio
import os
from io import BytesIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.core.management import call_command

from lms.certificates import rendering, services, signing, verification
from lms.certificates.models import Certificate
from lms.certificates.verification import Reason, Status
from tests.certificates.conftest import read_pdf

pytestmark = pytest.mark.django_db


def test_pyhanko_validates_the_signature_against_the_configured_root(enrollment):
    from pyhanko.keys import load_certs_from_pemder_data
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    certificate = services.issue_for_enrollment(enrollment.pk)
    roots = list(load_certs_from_pemder_data(signing.root_certificate_pem()))
    signature = PdfFileReader(BytesIO(read_pdf(certificate))).embedded_signatures[0]

    status = validate_pdf_signature(signature, ValidationContext(trust_roots=roots, allow_fetching=False))

    assert status.bottom_line, status.pretty_print_details()
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.md_algorithm == "sha256"
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert roots[0].subject.native["common_name"] == signing.DEMO_ROOT_NAME
    assert status.validation_path[0].subject == roots[0].subject


def test_an_issued_certificate_verifies(enrollment):
    certificate = services.issue_for_enrollment(enrollment.pk)

    result = verification.verify_pdf(read_pdf(certificate))

    assert result.ok, (result.reason, result.details)
    assert (result.has_signature, result.intact, result.covers_whole_file, result.trusted) == (True,) * 4
    assert result.certificate == certificate
    assert result.status == Status.VALID
    assert result.signer == signing.DEMO_SIGNER_NAME
    assert result.sha256 == certificate.sha256


def test_one_changed_byte_fails_verification(enrollment):
    certificate = services.issue_for_enrollment(enrollment.pk)
    pdf = bytearray(read_pdf(certificate))
    # A byte inside the page's compressed content: the file still parses, the signature no longer fits.
    position = pdf.index(b"stream\n", pdf.index(b"/FlateDecode")) + 40
    pdf[position] ^= 0x01

    result = verification.verify_pdf(bytes(pdf))

    assert not result.ok
    assert result.reason == Reason.MODIFIED
    assert result.has_signature and not result.intact
    assert result.certificate is None  # no certificate has this file's SHA-256


def test_bytes_added_after_signing_are_reported(enrollment):
    certificate = services.issue_for_enrollment(enrollment.pk)

    result = verification.verify_pdf(read_pdf(certificate) + b"\n% appended\n")

    assert not result.ok
    assert result.reason == Reason.MODIFIED
    assert result.intact and not result.covers_whole_file


def test_a_certificate_signed_with_another_key_is_untrusted(enrollment, tmp_path):
    certificate = services.issue_for_enrollment(enrollment.pk)
    other = signing.ensure_demo_pki(tmp_path / "other-pki")  # a real, different root and key
    forged = signing.sign_pdf(
        rendering.render_pdf(certificate, certificate.template or services.template_for(certificate.course)),
        signer=signing.load_signer(other.p12_path, signing.DEMO_PASSPHRASE),
    )

    result = verification.verify_pdf(forged)

    assert not result.ok
    assert result.reason == Reason.UNTRUSTED
    assert result.has_signature and result.intact and result.covers_whole_file
    assert not result.trusted


def test_a_pdf_without_a_signature_is_reported(enrollment):
    certificate = services.issue_for_enrollment(enrollment.pk)
    unsigned = rendering.render_pdf(certificate, services.template_for(certificate.course))

    result = verification.verify_pdf(unsigned)

    assert (result.is_pdf, result.has_signature, result.reason) == (True, False, Reason.NO_SIGNATURE)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", Reason.EMPTY),
        (b"hello, world", Reason.NOT_PDF),
        (os.urandom(4096), Reason.NOT_PDF),
        (b"%PDF-1.7\n" + os.urandom(4096), Reason.UNREADABLE),
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF", None),
    ],
)
def test_garbage_never_raises(content, reason):
    result = verification.verify_pdf(content)

    assert not result.ok
    if reason is not None:
        assert result.reason == reason
    assert str(result.message)


def test_a_truncated_certificate_is_reported_not_raised(enrollment):
    pdf = read_pdf(services.issue_for_enrollment(enrollment.pk))

    for length in (len(pdf) // 3, len(pdf) // 2, len(pdf) - 200):
        result = verification.verify_pdf(pdf[:length])
        assert not result.ok
        assert result.reason in {Reason.UNREADABLE, Reason.NO_SIGNATURE, Reason.BAD_SIGNATURE, Reason.MODIFIED}


def test_signing_works_from_code_running_in_an_event_loop(enrollment):
    certificate = services.issue_for_enrollment(enrollment.pk)
    unsigned = rendering.render_pdf(certificate, services.template_for(certificate.course))

    async def sign_inside_a_loop():
        return signing.sign_pdf(unsigned)

    signed = asyncio.run(sign_inside_a_loop())

    assert signed.startswith(unsigned)  # an incremental update
    assert verification.verify_pdf(signed).reason == Reason.UNKNOWN  # ours and intact, but never issued


def test_make_demo_signing_key_is_idempotent_and_labelled(tmp_path, capsys):
    directory = tmp_path / "pki"
    call_command("make_demo_signing_key", directory=str(directory))
    first = {path.name: path.read_bytes() for path in directory.iterdir() if path.is_file()}
    call_command("make_demo_signing_key", directory=str(directory))
    second = {path.name: path.read_bytes() for path in directory.iterdir() if path.is_file()}

    assert first == second
    output = capsys.readouterr().out
    assert "created" in output and "already present" in output
    root = x509.load_pem_x509_certificate(first[signing.DEMO_ROOT_PEM])
    assert "DEMO Root — not for real use" in root.subject.rfc4514_string()
    key, leaf, chain = pkcs12.load_key_and_certificates(first[signing.DEMO_P12], signing.DEMO_PASSPHRASE)
    assert leaf.issuer == root.subject
    assert "not for real use" in leaf.subject.rfc4514_string()
    assert (directory / signing.DEMO_P12).stat().st_mode & 0o077 == 0  # readable by its owner only


def test_tests_keep_signing_material_out_of_the_work_tree():
    from lms.settings import test as test_settings

    work_tree = settings.BASE_DIR.resolve()
    for path in (test_settings.CERTIFICATE_DEMO_PKI_DIR, test_settings.PRIVATE_MEDIA_ROOT):
        assert not path.resolve().is_relative_to(work_tree), path
    assert settings.CERTIFICATE_DEMO_PKI_DIR == test_settings.CERTIFICATE_DEMO_PKI_DIR


def test_the_root_certificate_is_offered_in_pem():
    pem = signing.root_certificate_pem()

    assert pem.startswith(b"-----BEGIN CERTIFICATE-----")
    root = x509.load_pem_x509_certificate(pem)
    assert root.subject == root.issuer  # self-signed
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_configured_key_and_roots_are_used(settings, tmp_path, enrollment):
    pki = signing.ensure_demo_pki(tmp_path / "organisation")
    settings.CERTIFICATE_SIGNING_P12 = str(pki.p12_path)
    settings.CERTIFICATE_SIGNING_PASSPHRASE = signing.DEMO_PASSPHRASE.decode()
    settings.CERTIFICATE_TRUST_ROOTS = str(pki.root_pem_path)

    certificate = services.issue_for_enrollment(enrollment.pk)
    result = verification.verify_pdf(read_pdf(certificate))

    assert result.ok, result.reason
    assert signing.root_certificate_pem() == pki.root_pem_path.read_bytes()
    assert Certificate.objects.count() == 1


def test_without_a_key_and_without_the_demo_nothing_is_signed(settings, enrollment):
    settings.CERTIFICATE_ALLOW_DEMO_PKI = False

    with pytest.raises(signing.SigningNotConfigured):
        services.issue_for_enrollment(enrollment.pk)
    assert not Certificate.objects.exists()
