"""E-mail to people: written from templates in the site's language, sent at most once.

``absolute_url(path) -> str``
    ``path`` at the public address (``WAGTAILADMIN_BASE_URL``): the only address e-mails use.
``templated_email(template, context, to) -> EmailMessage``
    ``<template>_subject.txt`` and ``<template>_body.txt`` rendered in ``settings.LANGUAGE_CODE``
    (the organisation writes in Vietnamese, whatever language the request was in), with
    ``site_url`` in the context.
``send_once(queryset, pk, marker, send) -> bool``
    The sent-once discipline of every keyed message: in one transaction, lock the row ``pk`` of
    ``queryset`` (``SELECT … FOR UPDATE``), skip it when its ``marker`` field is set, call
    ``send(row)`` and set the marker. Two deliveries at once send one message (the second waits
    for the lock, then finds the marker); a failed send raises and rolls the marker back, so a
    retry sends it. True if ``send`` reported a message sent.
"""

from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

M = TypeVar("M", bound=models.Model)


def absolute_url(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL + path


def templated_email(template: str, context: dict, to: list[str]) -> EmailMessage:
    context = {"site_url": settings.WAGTAILADMIN_BASE_URL, **context}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}_body.txt", context)
    return EmailMessage(" ".join(subject.split()), body, None, to)


def send_once(queryset: models.QuerySet[M], pk: int, marker: str, send: Callable[[M], bool]) -> bool:
    with transaction.atomic():
        row = queryset.select_for_update(of=("self",)).filter(pk=pk, **{f"{marker}__isnull": True}).first()
        if row is None:
            return False
        sent = send(row)
        setattr(row, marker, timezone.now())
        row.save(update_fields=[marker])
    return bool(sent)
