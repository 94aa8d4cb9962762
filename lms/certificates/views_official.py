"""The official's own certificates: the list, the download and the renewal of an expiring one.
Only one's own: another official's certificate id is a 404, whatever it is."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lms.core.downloads import attachment
from lms.learning.selectors import official_for

from . import expiry, verification
from .models import Certificate
from .services import CertificateError


def _own_certificates(user):
    official = official_for(user)
    if official is None:
        return Certificate.objects.none()
    return Certificate.objects.current().filter(official=official)


@login_required
@require_GET
def my_certificates(request):
    certificates = _own_certificates(request.user).select_related("enrollment__course").order_by("-issued_on", "-pk")
    today = timezone.localdate()
    rows = [
        {
            "certificate": certificate,
            "status": verification.certificate_status(certificate, today),
            "expiring": expiry.is_expiring(certificate, today) and certificate.revoked_at is None,
            "can_recertify": expiry.can_recertify(certificate, today),
            "renewing": certificate.cycle < certificate.enrollment.cycle,
        }
        for certificate in certificates
    ]
    return render(request, "certificates/my_certificates.html", {"rows": rows})


@login_required
@require_GET
def download(request, certificate_id):
    certificate = _own_certificates(request.user).filter(pk=certificate_id).first()
    if certificate is None:
        raise Http404
    return attachment(certificate.pdf, f"{certificate.serial}.pdf", "application/pdf")


@login_required
@require_POST
def recertify(request, certificate_id):
    """Retake the course of an expiring or expired certificate (a new cycle of the enrolment)."""
    certificate = _own_certificates(request.user).select_related("enrollment__course").filter(pk=certificate_id).first()
    if certificate is None:
        raise Http404
    try:
        enrollment = expiry.start_recertification(certificate)
    except CertificateError as error:
        messages.error(request, str(error))
        return redirect("my_certificates:list")
    messages.success(
        request,
        _("You can now retake “%(course)s”. Your current certificate stays valid until it expires.")
        % {"course": certificate.course_title},
    )
    if enrollment.course is None or not enrollment.course.live:
        return redirect("my_certificates:list")
    return redirect("learning:continue", enrollment.pk)
