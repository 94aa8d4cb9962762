"""Public verification of certificates: by the code in the QR link, or by uploading the PDF.
No login; only what the certificate itself states is shown, nothing else about the person."""

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from . import signing, verification
from .throttle import rate_limited

MAX_UPLOAD = 5 * 1024 * 1024


class VerifyUploadForm(forms.Form):
    pdf = forms.FileField(label=_("Certificate file (PDF)"))

    def clean_pdf(self):
        upload = self.cleaned_data["pdf"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is too large to be a certificate."))
        return upload


@require_GET
@rate_limited("verify-code", limit=60)
def verify_code(request, code):
    certificate = verification.find_by_code(code)
    context = {"certificate": certificate, "code": code}
    if certificate is None:
        return render(request, "certificates/verify_code.html", context, status=404)
    context["status"] = verification.certificate_status(certificate)
    if context["status"] == verification.Status.SUPERSEDED:
        context["replacement"] = verification.replacement_of(certificate)
    return render(request, "certificates/verify_code.html", context)


@require_http_methods(["GET", "POST"])
@rate_limited("verify-upload", limit=20, methods=("POST",))  # uploads, not views of the form
def verify_upload(request):
    result = None
    form = VerifyUploadForm(request.POST, request.FILES) if request.method == "POST" else VerifyUploadForm()
    if form.is_bound and form.is_valid():
        result = verification.verify_pdf(form.cleaned_data["pdf"].read())
    return render(request, "certificates/verify_upload.html", {"form": form, "result": result})


@require_GET
def root_certificate(request):
    """The root that signs our certificates, for readers who want their PDF viewer to trust it."""
    response = HttpResponse(signing.root_certificate_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="cong-chuc-so-root.pem"'
    return response
