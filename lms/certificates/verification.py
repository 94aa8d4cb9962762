"""Is this PDF a certificate we issued, untouched, and is that certificate still valid?

API
---
``verify_pdf(pdf_bytes, today=None) -> VerificationResult``
    Never raises on bad input (random bytes, not a PDF, a PDF without a signature, a truncated
    or edited file): the result says what was found and why it is not valid. ``result.ok`` is
    the bottom line: signed, intact, covering the whole file, trusted by our root(s), and the
    exact file of a certificate we issued (by SHA-256, any revision). Whether that certificate is
    still valid is ``result.status`` (valid / expired / revoked / superseded): a revoked
    certificate's PDF is still an authentic PDF. ``result.valid`` is both at once (an authentic
    file of a certificate that is valid today): the only case a page may call "valid".
    ``result.replacement`` is what replaced a superseded certificate (``replacement_of``).
``certificate_status(certificate, today=None) -> Status``
    revoked (whatever else holds), else superseded (a newer revision, or the certificate of a
    later recertification, replaced it), else expired
    (``expires_on`` before ``today``), else valid. ``today`` defaults to the local date.
``replacement_of(certificate) -> Certificate | None``
    What replaced a superseded certificate: after a reissue, the current revision with the same
    serial; after a recertification, the current certificate of the same enrolment. None for a
    current certificate (or when nothing current is left).
``find_by_code(code)`` / ``find_by_sha256(hex)``
    The certificate a QR code or a file points at (or None).
"""

import hashlib
import logging
from dataclasses import dataclass, field
from io import BytesIO

from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Certificate

logger = logging.getLogger(__name__)

MAX_PDF_BYTES = 20 * 1024 * 1024


class Status(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    SUPERSEDED = "superseded", _("Replaced by a newer certificate")


def certificate_status(certificate, today=None) -> Status:
    today = today or timezone.localdate()
    if certificate.revoked_at is not None:
        return Status.REVOKED
    if not certificate.is_current:
        return Status.SUPERSEDED
    if certificate.expires_on is not None and certificate.expires_on < today:
        return Status.EXPIRED
    return Status.VALID


def replacement_of(certificate: Certificate) -> Certificate | None:
    """The certificate that replaced ``certificate``, if it was superseded: the current revision
    with the same serial (a reissue), else the current certificate of the same enrolment (a
    recertification, or a reissued revision since recertified). None for a current certificate."""
    if certificate.is_current:
        return None
    return (
        Certificate.objects.current()
        .filter(Q(serial=certificate.serial) | Q(enrollment_id=certificate.enrollment_id))
        .exclude(pk=certificate.pk)
        .order_by(Case(When(serial=certificate.serial, then=Value(0)), default=Value(1)), "-issued_on", "-pk")
        .first()
    )


def find_by_code(code):
    if not code or len(code) > 64:
        return None
    return Certificate.objects.select_related("official", "course").filter(verification_code=code).first()


def find_by_sha256(digest):
    return Certificate.objects.select_related("official", "course").filter(sha256=digest).first()


class Reason(models.TextChoices):
    """Why a file is, or is not, an authentic certificate (``VerificationResult.reason``)."""

    OK = "ok", _("This is an authentic certificate issued by us, unchanged since it was signed.")
    EMPTY = "empty", _("The file is empty.")
    TOO_LARGE = "too_large", _("The file is too large to be a certificate.")
    NOT_PDF = "not_pdf", _("The file is not a PDF document.")
    UNREADABLE = "unreadable", _("The PDF is damaged or incomplete and cannot be read.")
    NO_SIGNATURE = "no_signature", _("The PDF has no digital signature.")
    BAD_SIGNATURE = "bad_signature", _("The digital signature is damaged and cannot be checked.")
    MODIFIED = "modified", _("The document was changed after it was signed.")
    UNTRUSTED = "untrusted", _("The signature is intact but was not made with our signing key.")
    UNKNOWN = "unknown", _("The signature is ours, but this exact file is not a certificate we issued.")


@dataclass
class VerificationResult:
    reason: Reason
    sha256: str = ""
    is_pdf: bool = False
    has_signature: bool = False
    intact: bool = False  # the signed bytes match the signature
    covers_whole_file: bool = False  # nothing was added or changed after signing
    trusted: bool = False  # the signer's certificate chains to one of our roots
    signer: str = ""  # common name of the signing certificate
    signed_at: object = None  # datetime the signer reported, if any
    certificate: Certificate | None = None  # the revision whose PDF has this SHA-256
    status: Status | None = None  # that certificate's status
    replacement: Certificate | None = None  # what replaced it, when it was superseded
    details: list = field(default_factory=list)  # technical notes, for logs and support

    @property
    def ok(self):
        return self.reason == Reason.OK

    @property
    def valid(self):
        """Both statements hold: the file is authentic and its certificate is valid today."""
        return self.ok and self.status == Status.VALID

    @property
    def message(self):
        return self.reason.label


def _validation_context():
    from pyhanko_certvalidator import ValidationContext

    from .signing import trust_roots

    return ValidationContext(trust_roots=trust_roots(), allow_fetching=False, revocation_mode="soft-fail")


def _key_usage():
    from pyhanko.sign.validation.settings import KeyUsageConstraints

    # A document-signing certificate: non-repudiation or digital signature will do.
    return KeyUsageConstraints(key_usage={"non_repudiation", "digital_signature"}, match_all_key_usages=False)


def _check_signature(pdf_bytes, result):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    from .signing import run_sync

    try:
        reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
        signatures = reader.embedded_signatures
    except Exception as error:  # a damaged file can fail anywhere in the parser
        result.details.append(f"parse: {error!r}")
        result.reason = Reason.UNREADABLE
        return
    if not signatures:
        result.reason = Reason.NO_SIGNATURE
        return
    result.has_signature = True
    signature = signatures[-1]  # ours is the only one; with several, the last covers the most
    try:
        # pyHanko's validation runs an event loop of its own: kept off any loop this thread runs.
        status = run_sync(validate_pdf_signature, signature, _validation_context(), key_usage_settings=_key_usage())
    except Exception as error:
        result.details.append(f"validate: {error!r}")
        result.reason = Reason.BAD_SIGNATURE
        return
    result.intact = bool(status.intact and status.valid)
    result.covers_whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    result.trusted = bool(status.trusted)
    result.signed_at = status.signer_reported_dt
    try:
        result.signer = status.signing_cert.subject.native.get("common_name", "")
    except Exception:  # a malformed name is no reason to fail
        result.signer = ""
    if status.trust_problem_indic is not None:
        result.details.append(f"trust: {status.trust_problem_indic}")
    if not result.intact or not result.covers_whole_file:
        result.reason = Reason.MODIFIED
    elif not result.trusted:
        result.reason = Reason.UNTRUSTED


def _verify(pdf_bytes, today):
    if not pdf_bytes:
        return VerificationResult(Reason.EMPTY)
    if len(pdf_bytes) > MAX_PDF_BYTES:
        return VerificationResult(Reason.TOO_LARGE)
    result = VerificationResult(Reason.OK, sha256=hashlib.sha256(pdf_bytes).hexdigest())
    # Looked up first and whatever else holds: support may want to know which certificate a
    # damaged file claims to be; it never makes a bad file pass.
    result.certificate = find_by_sha256(result.sha256)
    if result.certificate is not None:
        result.status = certificate_status(result.certificate, today)
        if result.status == Status.SUPERSEDED:
            result.replacement = replacement_of(result.certificate)
    if b"%PDF-" not in pdf_bytes[:1024]:
        result.reason = Reason.NOT_PDF
        return result
    result.is_pdf = True
    _check_signature(pdf_bytes, result)
    if result.reason == Reason.OK and result.certificate is None:
        result.reason = Reason.UNKNOWN
    return result


def verify_pdf(pdf_bytes, today=None):
    """Check an uploaded PDF; never raises on bad input (see the module docstring)."""
    if isinstance(pdf_bytes, memoryview | bytearray):
        pdf_bytes = bytes(pdf_bytes)
    if not isinstance(pdf_bytes, bytes):
        raise TypeError("verify_pdf() takes the file's bytes")
    try:
        return _verify(pdf_bytes, today)
    except Exception as error:  # last resort: a verdict, never a 500
        logger.exception("Certificate verification failed unexpectedly")
        return VerificationResult(
            Reason.UNREADABLE, sha256=hashlib.sha256(pdf_bytes).hexdigest(), details=[repr(error)]
        )
