"""A unit's certificates as one ZIP, built by a Celery task in constant memory.

``start(user, cleaned_data) -> CertificateArchive``
    Records the request (unit and filters of ``forms.ArchiveForm``) and enqueues
    ``tasks.build_certificate_archive`` on commit. Raises ``ArchiveRefused`` while the user has an
    archive waiting or being prepared (one at a time: a partial unique constraint).
``build(archive_id)``
    Writes ``<unit code>/<serial>-<holder>.pdf`` for the latest revision of every certificate that
    the search would show the requester (their scope *today*, the unit, the filters), plus
    ``danh-sach.csv``, a manifest (UTF-8 with BOM, formulas neutralised), into a temporary file,
    then into the private storage. Rows are streamed from the database and files copied in blocks,
    so memory does not grow with the number of certificates. Progress (``done`` of ``total``) is
    written every ``PROGRESS_EVERY`` files, as the import's dry run does. Raises on failure; the
    task marks the archive failed (``mark_failed``) once retries are spent.
``for_user(user)``
    The user's own archives whose unit is still in their scope: the only archives they may see.
``prune(now=None)``
    Deletes archives older than ``ARCHIVE_KEEP`` (row and file), re-enqueues requests whose task
    was lost, marks failed the builds stalled for ``jobs.STALE_AFTER``; run hourly by the beat task
    ``prune_certificate_archives``.
"""

import shutil
import tempfile
import zipfile

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.celery import enqueue_on_commit
from lms.core import jobs, spreadsheets
from lms.core.spreadsheets import safe_cell
from lms.core.text import file_name_part, vi_slugify
from lms.people.scopes import scope_for, visible_units

from . import hr
from .models import Certificate, CertificateArchive
from .tasks import build_certificate_archive
from .verification import Status, certificate_status

PROGRESS_EVERY = 50
CHUNK = 500
COPY_BUFFER = 1024 * 1024
ARCHIVE_KEEP = jobs.KEEP
MANIFEST_NAME = "danh-sach.csv"
STAGE = "certificate-archive"

FIELDS = (
    "pk",
    "serial",
    "revision",
    "holder_name",
    "holder_employee_code",
    "unit_name",
    "course_title",
    "issued_on",
    "expires_on",
    "revoked_at",
    "is_current",
    "sha256",
    "pdf",
    "official__unit__code",
)


class ArchiveRefused(ValueError):
    """The request cannot be taken; the message is translated."""


def for_user(user):
    return CertificateArchive.objects.filter(requested_by=user, unit__in=visible_units(user)).select_related("unit")


def start(user, cleaned_data):
    course = cleaned_data.get("course")
    filters = {
        key: value
        for key, value in (
            ("course", course),
            ("year", cleaned_data.get("year")),
            ("status", cleaned_data.get("status")),
        )
        if value
    }
    try:
        with transaction.atomic():
            archive = CertificateArchive.objects.create(requested_by=user, unit=cleaned_data["unit"], filters=filters)
    except IntegrityError:  # the constraint allows one archive in the making per user
        raise ArchiveRefused(_("An archive of yours is still being prepared. Please wait until it is ready.")) from None
    enqueue_on_commit(build_certificate_archive, archive.pk)
    return archive


def certificates(archive):
    """What the archive holds: the search of the requester for the unit and filters, as dicts."""
    filters = {**archive.filters, "unit": archive.unit}
    if not scope_for(archive.requested_by).covers(archive.unit):
        return hr.certificates_for(archive.requested_by).none()
    return hr.search(archive.requested_by, filters).order_by("official__unit__path", "year", "number").values(*FIELDS)


def member_name(row):
    unit = file_name_part(row["official__unit__code"], "don-vi")
    holder = vi_slugify(row["holder_name"])[:60].strip("-") or "chung-nhan"
    return f"{unit}/{file_name_part(row['serial'], str(row['pk']))}-{holder}.pdf"


def _manifest_header():
    return [
        _("Serial number"),
        _("Revision"),
        _("Holder"),
        _("Employee code"),
        _("Unit code"),
        _("Unit on the certificate"),
        _("Course"),
        _("Issued on"),
        _("Expires on"),
        _("Status"),
        _("SHA-256"),
        _("File"),
    ]


def _manifest_row(row, name, today):
    status = certificate_status(_Row(row), today)
    return [
        safe_cell(value)
        for value in (
            row["serial"],
            row["revision"],
            row["holder_name"],
            row["holder_employee_code"],
            row["official__unit__code"],
            row["unit_name"],
            row["course_title"],
            row["issued_on"].strftime("%d/%m/%Y"),
            row["expires_on"].strftime("%d/%m/%Y") if row["expires_on"] else "",
            Status(status).label,
            row["sha256"],
            name,
        )
    ]


class _Row:
    """Attribute access to a values() row, for ``certificate_status``."""

    def __init__(self, row):
        self.revoked_at = row["revoked_at"]
        self.is_current = row["is_current"]
        self.expires_on = row["expires_on"]


def build(archive_id, task=None):
    """The task's body: claim the archive, write it (``jobs.build``)."""
    return jobs.build(jobs.stage(STAGE), archive_id, _build, task)


def _build(archive):
    rows = certificates(archive)
    total = rows.count()
    jobs.set_progress(archive, total=total)
    storage = Certificate._meta.get_field("pdf").storage
    today = timezone.localdate()
    done = 0
    with tempfile.TemporaryFile() as target, tempfile.TemporaryFile() as manifest_file:
        # PDFs are compressed already: stored as they are, which costs no CPU.
        with zipfile.ZipFile(target, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            with spreadsheets.csv_writer(manifest_file) as writer:
                writer.writerow(_manifest_header())
                for row in rows.iterator(chunk_size=CHUNK):
                    name = member_name(row)
                    with storage.open(row["pdf"], "rb") as source, zf.open(name, "w") as member:
                        shutil.copyfileobj(source, member, COPY_BUFFER)
                    writer.writerow(_manifest_row(row, name, today))
                    done += 1
                    if done % PROGRESS_EVERY == 0:
                        jobs.set_progress(archive, done=done)
            manifest_file.seek(0)
            info = zipfile.ZipInfo(MANIFEST_NAME, date_time=timezone.localtime().timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w") as member:
                shutil.copyfileobj(manifest_file, member, COPY_BUFFER)
        target.seek(0)
        archive.file.save(
            f"chung-nhan-{file_name_part(archive.unit.code, 'don-vi')}-{archive.pk}.zip", File(target), save=False
        )
    return jobs.finish(archive, total)


delete = jobs.delete


def prune(now=None):
    """Delete old archives (stalled and lost ones are the sweeper's: ``jobs.sweep``)."""
    return jobs.prune(CertificateArchive, now, keep=ARCHIVE_KEEP)
