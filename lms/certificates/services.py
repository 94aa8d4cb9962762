"""Issuing, reissuing and revoking certificates: the only code that writes ``Certificate`` rows.

API
---
``issue_for_enrollment(enrollment_id) -> Certificate``
    The current certificate of a completed enrolment's current cycle, issued now if it has none.
    Idempotent: a second call, a task retry or a concurrent call returns the same certificate (the
    enrolment row is locked while issuing, and a partial unique constraint allows one current
    certificate per enrolment). A revoked certificate stays current: it is returned, not
    replaced. After a recertification (a new cycle of the enrolment, completed again) a new
    certificate with a new serial is issued and the previous cycle's one is superseded. Raises
    ``CertificateError`` for an enrolment that is not complete.
``reissue(certificate, by_user, reason) -> Certificate``
    A new revision of the current certificate: same serial, revision + 1, fresh snapshots of the
    holder, unit and course, a new verification code, a new signed PDF, the same issue and expiry
    dates. The old row stays, with ``is_current=False`` and its file.
``revoke(certificate, by_user, reason) -> Certificate``
    Records who revoked it, when and why (the reason is required); the PDF is kept.
``allocate_serial(year) -> (number, serial)``
    The next number of ``year`` (``CCS-2026-000123``); the caller's transaction holds the
    year's counter row until it commits, so numbers are sequential without gaps.

Every operation renders the PDF (``rendering``), signs it (``signing``) and stores it under
``certificates/<year>/<serial>-r<revision>.pdf`` in the private storage, with its SHA-256, in
the same transaction as the row: every ``Certificate`` row has its signed PDF. The rendering and
signing (about 0.2 s) happen while the year's serial counter is locked, so issuing is serialised
per year; that keeps serial numbers gapless, which a register of certificates expects. When the
operation fails after its file was written, the file is deleted; call these functions outside a
transaction of your own (as the tasks do), or a rollback of yours leaves an unreferenced file.
"""

import datetime
import hashlib
import logging
import secrets
from calendar import monthrange
from contextlib import contextmanager

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from lms.learning.models import Enrollment

from . import rendering, signing
from .models import Certificate, CertificateTemplate, SerialCounter

logger = logging.getLogger(__name__)


class CertificateError(Exception):
    """A refusal a person should read; the message is translated."""


def add_months(day, months):
    """``day`` plus ``months`` calendar months; the 31st becomes the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, monthrange(year, month)[1]))


def expiry_for(course, issued_on):
    months = getattr(course, "certificate_validity_months", None) if course is not None else None
    return add_months(issued_on, months) if months else None


def template_for(course):
    """The course's template, else the default one, else the built-in one (unsaved)."""
    if course is not None and course.certificate_template_id:
        template = (
            CertificateTemplate.objects.select_related("logo", "seal", "background")
            .filter(pk=course.certificate_template_id)
            .first()
        )
        if template is not None:
            return template
    return CertificateTemplate.default()


def format_serial(year, number):
    return f"{settings.CERTIFICATE_SERIAL_PREFIX}-{year}-{number:06d}"


def allocate_serial(year):
    """Take the next number of ``year``; call inside the transaction that saves the certificate."""
    for _attempt in range(3):
        # UPDATE … SET last_number = last_number + 1 locks the row until the caller commits.
        if SerialCounter.objects.filter(year=year).update(last_number=F("last_number") + 1):
            number = SerialCounter.objects.values_list("last_number", flat=True).get(year=year)
            return number, format_serial(year, number)
        try:
            with transaction.atomic():
                SerialCounter.objects.create(year=year, last_number=1)
            return 1, format_serial(year, 1)
        except IntegrityError:  # another transaction created the year's counter first: take the next
            continue
    raise RuntimeError(f"Could not allocate a certificate serial for {year}")


def new_verification_code():
    return secrets.token_urlsafe(18)


def _snapshot(certificate, enrollment, template):
    official = enrollment.official
    unit = enrollment.unit or official.unit
    certificate.official = official
    certificate.course_id = enrollment.course_id
    certificate.template = template if template.pk else None
    certificate.holder_name = official.full_name
    certificate.holder_employee_code = official.employee_code
    certificate.unit_name = unit.name if unit else ""
    course = enrollment.course
    certificate.course_title = course.title if course is not None else enrollment.course_title
    certificate.issuer_name = template.issuing_organisation
    certificate.signer_name = template.signer_name
    certificate.signer_title = template.signer_title


def _signature_reason():
    with translation.override(settings.LANGUAGE_CODE):
        return pgettext("certificate", "Certificate of completion")


def _store_pdf(certificate, template, written):
    """Render, sign and store the PDF of the unsaved ``certificate``; note the file in ``written``."""
    signed = signing.sign_pdf(rendering.render_pdf(certificate, template), reason=_signature_reason())
    certificate.sha256 = hashlib.sha256(signed).hexdigest()
    certificate.pdf.save(f"{certificate.serial}-r{certificate.revision}.pdf", ContentFile(signed), save=False)
    written.append((certificate.pdf.storage, certificate.pdf.name))


@contextmanager
def _files_removed_on_error():
    """Yield a list for the files an operation writes; delete them if the operation fails."""
    written = []
    try:
        yield written
    except BaseException:
        for storage, name in written:
            try:
                storage.delete(name)
            except OSError as error:  # never hide the original error
                logger.warning("Could not remove %s after a failed certificate operation: %s", name, error)
        raise


def _locked_enrollment(enrollment_id):
    return (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("official__unit", "unit", "course")
        .get(pk=enrollment_id)
    )


def current_certificate(enrollment_id):
    """The enrolment's current certificate, if it was issued for the enrolment's current cycle."""
    return Certificate.objects.filter(
        enrollment_id=enrollment_id, is_current=True, cycle=F("enrollment__cycle")
    ).first()


def issue_for_enrollment(enrollment_id):
    """The current certificate of a completed enrolment, issued now if there is none."""
    existing = current_certificate(enrollment_id)
    if existing is not None:
        return existing
    try:
        with _files_removed_on_error() as written, transaction.atomic():
            # The row lock makes a concurrent call wait here, then find the certificate below.
            enrollment = _locked_enrollment(enrollment_id)
            previous = Certificate.objects.select_for_update().filter(enrollment=enrollment, is_current=True).first()
            if previous is not None and previous.cycle == enrollment.cycle:
                return previous
            if not enrollment.is_complete:
                raise CertificateError(_("The course is not complete yet: no certificate can be issued."))
            if previous is not None:  # an earlier cycle's: the recertification supersedes it
                previous.is_current = False
                previous.superseded_at = timezone.now()
                previous.save(update_fields=["is_current", "superseded_at"])
            course = enrollment.course
            template = template_for(course)
            issued_on = timezone.localdate()
            certificate = Certificate(
                enrollment=enrollment,
                year=issued_on.year,
                revision=1,
                cycle=enrollment.cycle,
                issued_on=issued_on,
                expires_on=expiry_for(course, issued_on),
                verification_code=new_verification_code(),
            )
            _snapshot(certificate, enrollment, template)
            certificate.number, certificate.serial = allocate_serial(certificate.year)
            _store_pdf(certificate, template, written)
            certificate.save()
            return certificate
    except IntegrityError:
        # The constraint refused a second current certificate (a database without row locks):
        # the other call's certificate is the one.
        existing = current_certificate(enrollment_id)
        if existing is not None:
            return existing
        raise


def reissue(certificate, by_user, reason):
    """A new revision of the current ``certificate`` (same serial); the old one is kept."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Please say why the certificate is reissued."))
    with _files_removed_on_error() as written, transaction.atomic():
        enrollment = _locked_enrollment(certificate.enrollment_id)
        old = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if not old.is_current:
            raise CertificateError(_("Only the current revision of a certificate can be reissued."))
        template = template_for(enrollment.course)
        new = Certificate(
            enrollment=enrollment,
            year=old.year,
            number=old.number,
            serial=old.serial,
            revision=old.revision + 1,
            cycle=old.cycle,
            issued_on=old.issued_on,
            expires_on=old.expires_on,
            verification_code=new_verification_code(),
            issued_by=by_user,
            issue_reason=reason,
        )
        _snapshot(new, enrollment, template)
        _store_pdf(new, template, written)
        # Before the new row: the constraint allows one current revision at any moment.
        old.is_current = False
        old.superseded_at = timezone.now()
        old.save(update_fields=["is_current", "superseded_at"])
        new.save()
    return new


def revoke(certificate, by_user, reason):
    """Revoke the current ``certificate``, recording who, when and why; its file is kept."""
    if by_user is None:
        raise ValueError("revoke() needs the user who revokes the certificate")
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Please say why the certificate is revoked."))
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.revoked_at is not None:
            raise CertificateError(_("This certificate has already been revoked."))
        if not locked.is_current:
            raise CertificateError(_("Only the current revision of a certificate can be revoked."))
        locked.revoked_at = timezone.now()
        locked.revoked_by = by_user
        locked.revoke_reason = reason
        locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    return locked
