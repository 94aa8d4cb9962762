"""Certificates of completion.

``CertificateTemplate``  what a certificate says and who signs it (a Wagtail snippet, edited by
                         trainers and administrators; plain text only, never HTML).
``SerialCounter``        one row per issuing year: the last serial number given out that year.
``Certificate``          one revision of the certificate of one enrolment: snapshots of the holder,
                         unit and course, the signed PDF in the private storage and its SHA-256.

A certificate keeps its serial (``CCS-2026-000123``) for life; a reissue adds a revision with the
same serial, a new PDF and a new verification code, and leaves the older revision in place with
``is_current=False`` and its file. At most one certificate per enrolment is current (a partial
unique constraint). Recertification (``learning.services.start_new_cycle``) reopens an enrolment
as a new cycle; completing it again issues a new certificate (new serial, ``cycle`` = the
enrolment's cycle) and the previous cycle's certificate stops being current (superseded).
Revocation marks the current certificate; it stays current, so nothing issues a fresh certificate
for the same cycle behind the revoker's back. Operations live in ``services``; read the status of a
revision with ``verification.certificate_status``.
"""

import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel

from lms.core.jobs import FileJob, per_user
from lms.core.storage import private_storage
from lms.core.text import search_document

# What a template's body may say, and what each placeholder stands for (shown as help text).
PLACEHOLDERS = {
    "name": _("the holder's full name"),
    "course": _("the course title"),
    "date": _("the date of issue (dd/mm/yyyy)"),
    "serial": _("the serial number"),
    "unit": _("the holder's unit"),
    "expires": _("the expiry date (dd/mm/yyyy), or that it does not expire"),
}

DEFAULT_TITLE = "GIẤY CHỨNG NHẬN"
# Data, not interface text: what a Vietnamese certificate says, editable in the admin.
DEFAULT_BODY = "Chứng nhận ông/bà\n{name}\nĐơn vị: {unit}\nđã hoàn thành khóa bồi dưỡng\n{course}"


def parse_body(text):
    """Split a body into ``(literal, placeholder or None)`` pairs; raise ValidationError when it is
    not a valid body: an unknown placeholder, ``{}``, a format spec or an unmatched brace."""
    try:
        parts = list(string.Formatter().parse(text or ""))
    except ValueError as error:
        raise ValidationError(
            _("The text has an unmatched “{” or “}”. Write placeholders as {name}; write a brace as {{ or }}."),
            code="braces",
        ) from error
    allowed = ", ".join(f"{{{key}}}" for key in PLACEHOLDERS)
    for _literal, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in PLACEHOLDERS or spec or conversion:
            raise ValidationError(
                _("Unknown placeholder “{%(placeholder)s}”. You can use: %(allowed)s."),
                code="placeholder",
                params={
                    "placeholder": field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else ""),
                    "allowed": allowed,
                },
            )
    return [(literal, field) for literal, field, _spec, _conversion in parts]


BODY_MAX_LINES = 8
BODY_MAX_LENGTH = 600


def validate_body(text):
    """A body must fit on the page: at most BODY_MAX_LINES lines and BODY_MAX_LENGTH characters."""
    parse_body(text)
    if len((text or "").splitlines()) > BODY_MAX_LINES or len(text or "") > BODY_MAX_LENGTH:
        raise ValidationError(
            _("The text is too long for one page: at most %(lines)s lines and %(length)s characters."),
            code="too_long",
            params={"lines": BODY_MAX_LINES, "length": BODY_MAX_LENGTH},
        )


_private_storage = private_storage  # the name migrations give the storage of certificates, ZIPs and exports


def certificate_upload_to(certificate, filename):
    """``certificates/<year>/<serial>-r<revision>.pdf`` in the private storage."""
    return f"certificates/{certificate.year}/{certificate.serial}-r{certificate.revision}.pdf"


class CertificateTemplate(models.Model):
    """The wording, signer and artwork of a certificate. A course may name one; otherwise the
    default template is used (and, without any, a built-in one: ``CertificateTemplate.builtin()``)."""

    name = models.CharField(_("name"), max_length=120, help_text=_("For the admin only, e.g. “Sở Nội vụ — standard”."))
    title = models.CharField(_("title"), max_length=120, default=DEFAULT_TITLE)
    issuing_organisation = models.CharField(
        _("issuing organisation"),
        max_length=255,
        help_text=_("Printed at the top left, e.g. “SỞ NỘI VỤ TỈNH MINH SƠN”."),
    )
    signer_name = models.CharField(_("signer's name"), max_length=120)
    signer_title = models.CharField(_("signer's title"), max_length=120, help_text=_("e.g. “GIÁM ĐỐC”."))
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    seal = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("seal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("An image of the seal and signature, printed over the signer's name (PNG with transparency)."),
    )
    background = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("background image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Optional, printed faintly behind the text over the whole page."),
    )
    body = models.TextField(
        _("body"),
        default=DEFAULT_BODY,
        validators=[validate_body],
        help_text=_(
            "Plain text; line breaks are kept. Placeholders: {name}, {course}, {date}, {serial}, {unit}, {expires}."
        ),
    )
    is_default = models.BooleanField(
        _("default template"),
        default=False,
        help_text=_("Used for courses that do not name a template. Ticking it here unticks the previous default."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    panels = [
        FieldPanel("name"),
        MultiFieldPanel(
            [FieldPanel("title"), FieldPanel("body"), FieldPanel("issuing_organisation")], heading=_("Wording")
        ),
        MultiFieldPanel([FieldPanel("signer_title"), FieldPanel("signer_name")], heading=_("Signer")),
        MultiFieldPanel([FieldPanel("logo"), FieldPanel("seal"), FieldPanel("background")], heading=_("Images")),
        FieldPanel("is_default"),
    ]

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name = _("certificate template")
        verbose_name_plural = _("certificate templates")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="certificatetemplate_one_default"
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Ticking "default" moves the default here; the constraint guards the rest.
        with transaction.atomic():
            if self.is_default:
                others = CertificateTemplate.objects.select_for_update().filter(is_default=True)
                if self.pk:
                    others = others.exclude(pk=self.pk)
                others.update(is_default=False)
            super().save(*args, **kwargs)

    @classmethod
    def default(cls):
        """The default template, or the built-in one (unsaved) when none is marked default."""
        return cls.objects.filter(is_default=True).select_related("logo", "seal", "background").first() or cls.builtin()

    @classmethod
    def builtin(cls):
        return cls(
            name="built-in",
            title=DEFAULT_TITLE,
            issuing_organisation=settings.CERTIFICATE_ISSUER_NAME,
            signer_name=settings.CERTIFICATE_SIGNER_NAME,
            # Without a named signer, the organisation signs (digitally).
            signer_title=settings.CERTIFICATE_SIGNER_TITLE or settings.CERTIFICATE_ISSUER_NAME,
            body=DEFAULT_BODY,
        )


class SerialCounter(models.Model):
    """The last serial number given out in a year; its row is locked while a number is taken."""

    year = models.PositiveSmallIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class CertificateQuerySet(models.QuerySet):
    def current(self) -> "CertificateQuerySet":
        """The current revision of each certificate (superseded revisions left out)."""
        return self.filter(is_current=True)

    def not_revoked(self) -> "CertificateQuerySet":
        return self.filter(revoked_at__isnull=True)


class Certificate(models.Model):
    """One revision of the certificate of an enrolment. Every row has its signed PDF and SHA-256."""

    enrollment = models.ForeignKey(
        "learning.Enrollment", on_delete=models.PROTECT, related_name="certificates", verbose_name=_("enrolment")
    )
    official = models.ForeignKey(
        "people.Official", on_delete=models.PROTECT, related_name="certificates", verbose_name=_("official")
    )
    course = models.ForeignKey(
        "content.CoursePage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("course"),
    )
    template = models.ForeignKey(
        CertificateTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("template"),
    )
    serial = models.CharField(_("serial number"), max_length=32)
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    # The enrolment's recertification cycle the certificate was earned in (learning.Enrollment.cycle).
    cycle = models.PositiveSmallIntegerField(_("cycle"), default=1)
    verification_code = models.CharField(_("verification code"), max_length=64, unique=True, editable=False)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True, help_text=_("Empty: does not expire."))
    # Snapshots: what the certificate says, whatever happens later to the official, unit or course.
    holder_name = models.CharField(_("holder's name"), max_length=255)
    holder_employee_code = models.CharField(_("employee code"), max_length=40)
    unit_name = models.CharField(_("unit"), max_length=255, blank=True)
    course_title = models.CharField(_("course title"), max_length=255)
    issuer_name = models.CharField(_("issuing organisation"), max_length=255)
    signer_name = models.CharField(_("signer's name"), max_length=120, blank=True)
    signer_title = models.CharField(_("signer's title"), max_length=120, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=certificate_upload_to, storage=private_storage, max_length=255)
    sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, db_index=True)
    is_current = models.BooleanField(_("current revision"), default=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when issued automatically on completion."),
    )
    issue_reason = models.TextField(_("reason for this revision"), blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoke_reason = models.TextField(_("reason for revocation"), blank=True)
    # Sent-once markers for the e-mails to the holder (set under a row lock before sending).
    holder_notified_at = models.DateTimeField(_("holder notified at"), null=True, blank=True, editable=False)
    expiry_reminded_at = models.DateTimeField(_("expiry reminder sent at"), null=True, blank=True, editable=False)
    # Folded copy of holder_name (lms.core.text.search_document), kept in step on save, so HR's search
    # is diacritic-insensitive on every database.
    holder_search = models.CharField(max_length=300, editable=False, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-number", "-revision"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment"], condition=Q(is_current=True), name="certificate_one_current_per_enrollment"
            ),
            models.UniqueConstraint(fields=["year", "number", "revision"], name="certificate_unique_number_revision"),
            models.UniqueConstraint(fields=["serial", "revision"], name="certificate_unique_serial_revision"),
            models.CheckConstraint(condition=Q(revision__gte=1), name="certificate_revision_positive"),
        ]
        # Lookups by serial use the (serial, revision) constraint's index; by code and hash, theirs.
        indexes = [models.Index(fields=["official", "is_current"], name="certificate_official_current")]

    def __str__(self):
        suffix = f" (r{self.revision})" if self.revision > 1 else ""
        return f"{self.serial}{suffix} — {self.holder_name}"

    def save(self, *args, **kwargs):
        self.holder_search = search_document(self.holder_name)
        super().save(*args, **kwargs)

    @property
    def is_revoked(self):
        return self.revoked_at is not None


def archive_upload_to(archive, filename):
    return f"certificate-archives/{timezone.now():%Y/%m}/{filename}"


class CertificateArchive(FileJob):
    """A ZIP of the certificates of a unit that an HR user asked for, built by a Celery task
    (``archive.build``) into the private storage; only its requester downloads it."""

    unit = models.ForeignKey("people.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    # The search filters besides the unit: {"course": id, "year": 2026, "status": "valid"}.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    total = models.PositiveIntegerField(_("certificates"), default=0)
    done = models.PositiveIntegerField(_("certificates added"), default=0)
    file = models.FileField(
        _("file"), upload_to=archive_upload_to, storage=private_storage, max_length=255, blank=True
    )

    class Meta(FileJob.Meta):
        verbose_name = _("certificate archive")
        verbose_name_plural = _("certificate archives")
        indexes, constraints = per_user("certarchive")
