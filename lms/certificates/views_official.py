"""The official's own certificates: the list and the download. Only one's own: another
official's certificate id is a 404, whatever it is."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from lms.learning.selectors import official_for

from . import verification
from .models import Certificate


def _own_certificates(user):
    official = official_for(user)
    if official is None:
        return Certificate.objects.none()
    return Certificate.objects.filter(official=official, is_current=True)


@login_required
@require_GET
def my_certificates(request):
    certificates = list(_own_certificates(request.user).order_by("-issued_on", "-pk"))
    today = timezone.localdate()
    rows = [(certificate, verification.certificate_status(certificate, today)) for certificate in certificates]
    return render(request, "certificates/my_certificates.html", {"rows": rows})


@login_required
@require_GET
def download(request, certificate_id):
    certificate = _own_certificates(request.user).filter(pk=certificate_id).first()
    if certificate is None or not certificate.pdf:
        raise Http404
    return FileResponse(
        certificate.pdf.open("rb"),
        as_attachment=True,
        filename=f"{certificate.serial}.pdf",
        content_type="application/pdf",
    )
