"""What HR may see of certificates, and HR's search over them.

Every HR certificate page, download and archive reaches certificates through
``certificates_for``: the certificates of the officials ``lms.people.scopes.visible_officials``
lets the user see (or, with ``manage``, change). Nothing here checks a role: the scope is the rule.

``certificates_for(user, manage=False)``
    All revisions of the certificates of the officials in the user's scope.
``latest_revisions(queryset)``
    One row per serial: its newest revision (current, or replaced by a recertification).
``search(user, filters, today=None)``
    The latest revisions in scope matching ``filters`` (the cleaned data of
    ``forms.CertificateFilterForm``: ``q``, ``unit``, ``course``, ``year``, ``status``,
    ``official``), newest first; one query, whatever the number of rows.
``revisions(user, certificate)``
    Every revision of ``certificate``'s serial in scope, newest first.
"""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from lms.core.text import search_terms
from lms.people.scopes import scope_for, visible_officials

from .models import Certificate
from .verification import Status

MAX_QUERY = 100


def certificates_for(user, manage=False):
    return Certificate.objects.filter(official__in=visible_officials(user, manage=manage))


def latest_revisions(queryset):
    newer = Certificate.objects.filter(serial=OuterRef("serial"), revision__gt=OuterRef("revision"))
    return queryset.filter(~Exists(newer))


def status_q(status, today):
    """The rows whose ``verification.certificate_status`` is ``status`` (a Q, for the database)."""
    not_revoked = Q(revoked_at__isnull=True)
    if status == Status.REVOKED:
        return Q(revoked_at__isnull=False)
    if status == Status.SUPERSEDED:
        return not_revoked & Q(is_current=False)
    if status == Status.EXPIRED:
        return not_revoked & Q(is_current=True, expires_on__lt=today)
    if status == Status.VALID:
        return not_revoked & Q(is_current=True) & (Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    return Q()


def query_q(query):
    """Holder name without diacritics or case (every word must start a word of the name), or a
    part of the serial or employee code."""
    query = (query or "").strip()[:MAX_QUERY]
    if not query:
        return Q()
    terms = search_terms(query)
    by_name = Q(pk__in=[])
    if terms:
        by_name = Q()
        for term in terms:
            by_name &= Q(holder_search__contains=f" {term}")
    return by_name | Q(serial__icontains=query) | Q(holder_employee_code__icontains=query)


def search(user, filters, today=None):
    today = today or timezone.localdate()
    certificates = latest_revisions(certificates_for(user)).filter(query_q(filters.get("q")))
    unit = filters.get("unit")
    if unit is not None:
        # The unit's subtree, and never beyond the scope (the form offers only units in scope).
        certificates = certificates.filter(official__unit__path__startswith=unit.path)
    if filters.get("official") is not None:
        certificates = certificates.filter(official=filters["official"])
    if filters.get("course") is not None:
        certificates = certificates.filter(course=filters["course"])
    if filters.get("year"):
        certificates = certificates.filter(year=filters["year"])
    if filters.get("status"):
        certificates = certificates.filter(status_q(filters["status"], today))
    return certificates.order_by("-issued_on", "-year", "-number")


def revisions(user, certificate):
    return (
        certificates_for(user)
        .filter(serial=certificate.serial)
        .select_related("issued_by", "revoked_by")
        .order_by("-revision")
    )


def can_manage(user, certificate):
    """``certificate.official.unit`` must be loaded (select_related) to spare a query."""
    return scope_for(user).covers(certificate.official.unit, manage=True)
