"""Issuing, reissuing and revoking certificates: the only code that writes ``Certificate`` rows.

API
---
``issue_for_enrollment(enrollment_id) -> Certificate``
    The current certificate of a completed enrolment's current cycle, issued now if it has none.
    Idempotent: a second call, a task retry or a concurrent call returns the same certificate (the
    row is saved under the enrolment's row lock after a re-check, and a partial unique constraint
    allows one current certificate per enrolment). A revoked certificate stays current: it is
    returned, not replaced. After a recertification (a new cycle of the enrolment, completed
    again) a new certificate with a new serial is issued and the previous cycle's one is
    superseded. Raises ``CertificateError`` for an enrolment that is not complete.
``reissue(certificate, by_user, reason, holder_name=None) -> Certificate``
    A new revision of the current, unrevoked certificate: same serial, revision + 1, fresh
    snapshots of the holder, unit and course, a new verification code, a new signed PDF, the same
    issue and expiry dates. The old row stays, with ``is_current=False`` and its file. With
    ``holder_name`` (a corrected name) the official's record is corrected first, in the same
    transaction. Audited: Wagtail log entries ``REISSUE_ACTION`` on the new revision and, for a
    name correction, ``wagtail.edit`` on the official.
``revoke(certificate, by_user, reason) -> Certificate``
    Records who revoked it, when and why (the reason is required) and a ``REVOKE_ACTION`` log
    entry; the PDF is kept.
``allocate_serial(year) -> (number, serial)``
    The next number of ``year`` (``CCS-2026-000123``), taken like a database sequence: in a
    transaction of its own that commits at once (called outside any transaction), so the year's
    counter row is locked only for that instant. A number is never given out twice.

Every operation renders the PDF (``rendering``), signs it (``signing``) and stores it under
``certificates/<year>/<serial>-r<revision>.pdf`` in the private storage, with its SHA-256, before
the row is saved: every ``Certificate`` row has its signed PDF.

How an issue runs, and what it means for serial numbers:

1. the serial number is taken and committed (``allocate_serial``);
2. the PDF is rendered, signed and written to the storage, outside any transaction and any lock
   of the counter, so issues for different enrolments run in parallel in as many processes as
   there are (about 80 ms of work each; ``docs/BENCHMARKS.md``);
3. a short transaction locks the enrolment row, checks again that the enrolment has no current
   certificate for its cycle and is still complete in the cycle the PDF was drawn for,
   supersedes an earlier cycle's certificate and saves the row.

Serial numbers are therefore unique and increasing in the order they were taken, but **not
gapless**: a number whose certificate is never saved stays unused and is never given out again:
when rendering, signing or the storage fails, when the database fails at step 3, when a
concurrent call for the same enrolment saved its certificate first (its file is deleted), or when
the enrolment was reopened or changed cycle meanwhile (the issue starts again with a new number).
The year's ``SerialCounter.last_number`` minus the year's certificates with revision 1 is the
number of unused serials; a register of certificates lists certificates, not numbers. On
PostgreSQL a session-level advisory lock on the enrolment (``_issue_lock``) makes a concurrent
call for the same enrolment wait for the first one and then return its certificate, so retries
and duplicate tasks take no number (with PgBouncer, that needs session pooling).

When an operation fails after its file was written, the file is deleted; call these functions
outside a transaction of your own (as the tasks do), or a rollback of yours leaves an unreferenced
file (and, for an issue, keeps the counter row locked until it ends).
"""

import datetime
import hashlib
import logging
import secrets
import unicodedata
from calendar import monthrange
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext
from wagtail.log_actions import log

from lms.celery import enqueue_on_commit
from lms.learning.models import Enrollment
from lms.people.models import Official

from . import rendering, signing
from .models import Certificate, CertificateTemplate, SerialCounter
from .tasks import send_certificate_issued_email

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from content.models import CoursePage

logger = logging.getLogger(__name__)


# Wagtail log actions (registered in wagtail_hooks).
REISSUE_ACTION = "lms_certificates.reissue"
REVOKE_ACTION = "lms_certificates.revoke"


# The files an operation wrote: (storage, name), to delete if it fails.
WrittenFiles = list[tuple[Storage, str]]


class CertificateError(Exception):
    """A refusal a person should read; the message is translated."""


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus ``months`` calendar months; the 31st becomes the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, monthrange(year, month)[1]))


def expiry_for(course: "CoursePage | None", issued_on: datetime.date) -> datetime.date | None:
    months = getattr(course, "certificate_validity_months", None) if course is not None else None
    return add_months(issued_on, months) if months else None


def template_for(course: "CoursePage | None") -> CertificateTemplate:
    """The course's template, else the default one, else the built-in one (unsaved)."""
    if course is not None and course.certificate_template_id:
        template = (
            CertificateTemplate.objects.select_related("logo", "seal", "background")
            .filter(pk=course.certificate_template_id)
            .first()
        )
        if template is not None:
            return template
    return cast(CertificateTemplate, CertificateTemplate.default())  # the model's method has no hints


def format_serial(year: int, number: int) -> str:
    return f"{settings.CERTIFICATE_SERIAL_PREFIX}-{year}-{number:06d}"


def allocate_serial(year: int) -> tuple[int, str]:
    """Take the next number of ``year`` and commit it at once (call outside any transaction): the
    counter row is locked only for this instant. The number is the caller's whether or not a
    certificate is ever saved with it; it is never given out again."""
    for _attempt in range(3):
        with transaction.atomic():
            # UPDATE … SET last_number = last_number + 1 locks the row until this block commits.
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


def new_verification_code() -> str:
    return secrets.token_urlsafe(18)


def _snapshot(certificate: Certificate, enrollment: Enrollment, template: CertificateTemplate) -> None:
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


def _signature_reason() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return pgettext("certificate", "Certificate of completion")


def _store_pdf(certificate: Certificate, template: CertificateTemplate, written: WrittenFiles) -> None:
    """Render, sign and store the PDF of the unsaved ``certificate``; note the file in ``written``."""
    signed = signing.sign_pdf(rendering.render_pdf(certificate, template), reason=_signature_reason())
    certificate.sha256 = hashlib.sha256(signed).hexdigest()
    certificate.pdf.save(f"{certificate.serial}-r{certificate.revision}.pdf", ContentFile(signed), save=False)
    written.append((certificate.pdf.storage, cast(str, certificate.pdf.name)))  # saved: it has its name


@contextmanager
def _files_removed_on_error() -> Iterator[WrittenFiles]:
    """Yield a list for the files an operation writes; delete them if the operation fails."""
    written: WrittenFiles = []
    try:
        yield written
    except BaseException:
        for storage, name in written:
            try:
                storage.delete(name)
            except OSError as error:  # never hide the original error
                logger.warning("Could not remove %s after a failed certificate operation: %s", name, error)
        raise


def _delete_files(written: WrittenFiles) -> None:
    """Delete files an operation wrote and no longer needs (never raises)."""
    for storage, name in written:
        try:
            storage.delete(name)
        except OSError as error:
            logger.warning("Could not remove the unused certificate file %s: %s", name, error)
    written.clear()


def _locked_enrollment(enrollment_id: int) -> Enrollment:
    return (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("official__unit", "unit", "course")
        .get(pk=enrollment_id)
    )


def current_certificate(enrollment_id: int) -> Certificate | None:
    """The enrolment's current certificate, if it was issued for the enrolment's current cycle."""
    return Certificate.objects.current().filter(enrollment_id=enrollment_id, cycle=F("enrollment__cycle")).first()


# The first key of the advisory locks taken while issuing ("CERT"); the second is the enrolment's.
ISSUE_LOCK_CLASS = 0x43455254


@contextmanager
def _issue_lock(enrollment_id: int) -> Iterator[bool]:
    """On PostgreSQL, a session-level advisory lock on the enrolment for the whole issue: a second
    call for the same enrolment waits here, then finds the first one's certificate and takes no
    serial number. Yields whether it had to wait. It serialises calls for one enrolment only, never
    different enrolments. On other databases (SQLite lets one writer in at a time) nothing is
    locked here; the re-check under the enrolment's row lock still keeps one certificate, at the
    cost of an unused number."""
    if connection.vendor != "postgresql":
        yield False
        return
    # pg_advisory_lock(int4, int4): a bigint id wraps into int4; a collision only makes one wait.
    key = (ISSUE_LOCK_CLASS, (int(enrollment_id) + 2**31) % 2**32 - 2**31)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
        waited = not cursor.fetchone()[0]
        if waited:  # another call is issuing this enrolment's certificate: wait for it to finish
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", key)
    try:
        yield waited
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
        except DatabaseError as error:
            # The session is unusable: closing it is what releases the lock.
            logger.warning("Could not release the issuing lock of enrolment %s: %s", enrollment_id, error)
            if not connection.in_atomic_block:
                connection.close()


def issue_for_enrollment(enrollment_id: int) -> Certificate:
    """The current certificate of a completed enrolment, issued now if there is none."""
    existing = current_certificate(enrollment_id)
    if existing is not None:
        return existing
    with _issue_lock(enrollment_id) as waited:
        for attempt in range(3):
            if waited or attempt:
                existing = current_certificate(enrollment_id)  # issued since the first look
                if existing is not None:
                    return existing
            certificate, template = _new_certificate(enrollment_id)
            saved = _draw_and_save(certificate, template)
            if saved is not None:
                return saved
    raise RuntimeError(f"The enrolment {enrollment_id} kept changing while its certificate was issued")


def _new_certificate(enrollment_id: int) -> tuple[Certificate, CertificateTemplate]:
    """An unsaved certificate for the enrolment's current cycle, with a serial number taken."""
    enrollment = Enrollment.objects.select_related("official__unit", "unit", "course").get(pk=enrollment_id)
    if not enrollment.is_complete:
        raise CertificateError(_("The course is not complete yet: no certificate can be issued."))
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
    certificate.number, certificate.serial = allocate_serial(certificate.year)  # committed: no lock held
    return certificate, template


def _draw_and_save(certificate: Certificate, template: CertificateTemplate) -> Certificate | None:
    """Render, sign and store ``certificate`` outside any transaction, then save it in a short one
    under the enrolment's row lock. Returns the enrolment's current certificate: this one, or one
    a concurrent call saved first (ours is then thrown away, its number unused); None when the
    enrolment changed cycle or was reopened meanwhile (the caller starts again)."""
    try:
        with _files_removed_on_error() as written:
            _store_pdf(certificate, template, written)
            with transaction.atomic():
                enrollment = (
                    Enrollment.objects.select_for_update()
                    .only("cycle", "completed_at")
                    .get(pk=certificate.enrollment_id)
                )
                previous: Certificate | None = (
                    Certificate.objects.select_for_update().current().filter(enrollment=enrollment).first()
                )
                if previous is not None and previous.cycle == enrollment.cycle:
                    _delete_files(written)
                    return previous
                if enrollment.cycle != certificate.cycle or not enrollment.is_complete:
                    _delete_files(written)
                    return None
                if previous is not None:  # an earlier cycle's: the recertification supersedes it
                    previous.is_current = False
                    previous.superseded_at = timezone.now()
                    previous.save(update_fields=["is_current", "superseded_at"])
                certificate.save()
                _send_to_holder_on_commit(certificate)
                return certificate
    except IntegrityError:
        # The constraint refused a second current certificate (a database without row locks):
        # the other call's certificate is the one; ours was deleted on the way out.
        existing = current_certificate(certificate.enrollment_id)
        if existing is not None:
            return existing
        raise


def normal_name(name: str | None) -> str:
    """A person's name as stored: NFC (one code point per Vietnamese letter), single spaces."""
    return " ".join(unicodedata.normalize("NFC", name or "").split())


def _correct_name(official: Official, holder_name: str, by_user: "User | None", reason: str) -> None:
    """Correct the official's record to ``holder_name`` (inside the caller's transaction)."""
    recorded = Official.objects.select_for_update().values_list("full_name", flat=True).get(pk=official.pk)
    if holder_name == recorded:
        return
    official.full_name = holder_name
    official.save(update_fields=["full_name"])
    log(
        instance=official,
        action="wagtail.edit",
        user=by_user,
        content_changed=True,
        data={"full_name": {"old": recorded, "new": holder_name}, "reason": reason},
    )


def _send_to_holder_on_commit(certificate: Certificate) -> None:
    """Every new revision, first issue or reissue, goes to its holder once committed (and the
    sweeper ``send_pending_certificate_emails`` catches any that the broker did not take)."""
    enqueue_on_commit(send_certificate_issued_email, certificate.pk)


def reissue(
    certificate: Certificate, by_user: "User | None", reason: str | None, holder_name: str | None = None
) -> Certificate:
    """A new revision of the current ``certificate`` (same serial); the old one is kept. With
    ``holder_name``, the official's name is corrected in the same transaction first."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Please say why the certificate is reissued."))
    if holder_name is not None:
        holder_name = normal_name(holder_name)
        if not holder_name:
            raise CertificateError(_("The full name cannot be empty."))
    with _files_removed_on_error() as written, transaction.atomic():
        enrollment = _locked_enrollment(certificate.enrollment_id)
        old = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if not old.is_current:
            raise CertificateError(_("Only the current revision of a certificate can be reissued."))
        # A new revision would be valid again: revocation would be undone behind the revoker's back.
        if old.revoked_at is not None:
            raise CertificateError(_("A revoked certificate cannot be reissued."))
        if holder_name is not None:
            _correct_name(enrollment.official, holder_name, by_user, reason)
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
        log(
            instance=new,
            action=REISSUE_ACTION,
            user=by_user,
            data={"serial": new.serial, "revision": new.revision, "replaces": old.pk, "reason": reason},
        )
        _send_to_holder_on_commit(new)
    return new


def revoke(certificate: Certificate, by_user: "User | None", reason: str | None) -> Certificate:
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
        log(
            instance=locked,
            action=REVOKE_ACTION,
            user=by_user,
            data={"serial": locked.serial, "revision": locked.revision, "reason": reason},
        )
    return locked
