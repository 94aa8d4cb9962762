"""The notification ledger: one row per message, keyed so that no message is ever given twice.

``Notification``
    The key is (recipient, topic, object_id, trigger, cycle, day): *who* is told *what* about
    *which* object (an obligation, a certificate, a unit…), in which cycle of that object, for
    which **nominal** day (the day the trigger falls on, e.g. the due date minus 14 days, not the
    day it was recorded or sent), so that a catch-up run records nothing new. A unique constraint
    holds the key; every writer inserts with "on conflict do nothing".
``DailyEmail``
    One row per (recipient, day): the e-mail of that day went out (or is going out, inside the
    transaction that claimed it). It is the "one e-mail per person per day" rule.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import pgettext_lazy


class Trigger(models.TextChoices):
    ASSIGNED = "assigned", pgettext_lazy("notification trigger", "Assigned")
    DUE_SOON = "due_soon", pgettext_lazy("notification trigger", "Due soon")
    DUE_TODAY = "due_today", pgettext_lazy("notification trigger", "Due today")
    OVERDUE = "overdue", pgettext_lazy("notification trigger", "Overdue")
    CERTIFICATE_EXPIRY = "certificate_expiry", pgettext_lazy("notification trigger", "Certificate expiry")
    OVERDUE_DIGEST = "overdue_digest", pgettext_lazy("notification trigger", "Overdue digest")


class EmailStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("notification e-mail", "Pending")
    SENT = "sent", pgettext_lazy("notification e-mail", "Sent")
    NO_ADDRESS = "no_address", pgettext_lazy("notification e-mail", "No e-mail address")
    INACTIVE = "inactive", pgettext_lazy("notification e-mail", "Inactive recipient")
    OBSOLETE = "obsolete", pgettext_lazy("notification e-mail", "No longer relevant")


# The e-mails that could not be delivered to a person (HR lists those officials).
NOT_EMAILED = (EmailStatus.NO_ADDRESS, EmailStatus.INACTIVE)
# The ledger key, in the column order of ``services.record_select``.
KEY_FIELDS = ("recipient_id", "topic", "object_id", "trigger", "cycle", "day")


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)

    def visible(self) -> "NotificationQuerySet":
        """What a person sees: everything but the notifications that became obsolete."""
        return self.exclude(email_status=EmailStatus.OBSOLETE)

    def pending(self) -> "NotificationQuerySet":
        return self.filter(email_status=EmailStatus.PENDING)

    def due_by(self, day: datetime.date) -> "NotificationQuerySet":
        """Pending notifications whose nominal day has come by ``day``."""
        return self.pending().filter(day__lte=day)

    def not_emailed(self) -> "NotificationQuerySet":
        return self.filter(email_status__in=NOT_EMAILED)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=pgettext_lazy("notifications", "recipient"),
    )
    # What the notification is about: "obligation", "certificate", "unit"… (lms.notifications.registry).
    topic = models.CharField(pgettext_lazy("notifications", "topic"), max_length=30)
    object_id = models.PositiveBigIntegerField(pgettext_lazy("notifications", "object"))
    trigger = models.CharField(pgettext_lazy("notifications", "trigger"), max_length=30, choices=Trigger.choices)
    cycle = models.PositiveIntegerField(pgettext_lazy("notifications", "cycle"), default=1)
    # The trigger's nominal day (not the day it was sent): part of the key.
    day = models.DateField(pgettext_lazy("notifications", "day"))
    created_at = models.DateTimeField(pgettext_lazy("notifications", "created at"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(pgettext_lazy("notifications", "read at"), null=True, blank=True)
    email_status = models.CharField(
        pgettext_lazy("notifications", "e-mail status"),
        max_length=20,
        choices=EmailStatus.choices,
        default=EmailStatus.PENDING,
    )
    emailed_at = models.DateTimeField(pgettext_lazy("notifications", "e-mailed at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = pgettext_lazy("notifications", "notification")
        verbose_name_plural = pgettext_lazy("notifications", "notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "topic", "object_id", "trigger", "cycle", "day"], name="notification_ledger_key"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
            models.Index(fields=["email_status", "day"], name="notification_delivery"),
            models.Index(fields=["recipient", "-created_at"], name="notification_newest"),
        ]

    def __str__(self):
        return f"{self.recipient_id}: {self.topic} {self.object_id} {self.trigger} ({self.day})"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class DailyEmail(models.Model):
    """The marker of a person's e-mail of a day: at most one row, hence one e-mail, per day."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="daily_emails",
        verbose_name=pgettext_lazy("notifications", "recipient"),
    )
    day = models.DateField(pgettext_lazy("notifications", "day"))
    sent_at = models.DateTimeField(pgettext_lazy("notifications", "sent at"), default=timezone.now)
    count = models.PositiveIntegerField(pgettext_lazy("notifications", "number of notifications"), default=0)

    class Meta:
        verbose_name = pgettext_lazy("notifications", "daily e-mail")
        verbose_name_plural = pgettext_lazy("notifications", "daily e-mails")
        constraints = [models.UniqueConstraint(fields=["recipient", "day"], name="daily_email_one_per_day")]

    def __str__(self):
        return f"{self.recipient_id}: {self.day} ({self.count})"
