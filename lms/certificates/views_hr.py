"""HR pages for certificates: search, a certificate's revisions and downloads, reissue, revoke, and
a unit's certificates as a ZIP prepared by a Celery task. Who sees what is ``hr``'s rule: a
certificate outside the user's scope is a 404, whatever it is; a read-only scope may look and
download but not reissue or revoke (403, as the other HR pages that change data)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from content.models import CoursePage
from lms.core.downloads import attachment
from lms.core.paging import page_of
from lms.people.permissions import hr_required

from . import archive, hr, services
from .forms import ArchiveForm, CertificateSearchForm, ReissueForm, RevokeForm
from .models import CertificateArchive
from .verification import Status, certificate_status

PER_PAGE = 50
FILTER_KEYS = ("unit", "course", "year", "status")


@hr_required()
@require_GET
def search(request):
    form = CertificateSearchForm(request.GET, user=request.user)
    if form.is_valid():
        certificates = hr.search(request.user, form.cleaned_data)
    else:
        certificates = hr.certificates_for(request.user).none()
    page = page_of(certificates, request.GET.get("page"), PER_PAGE)
    today = timezone.localdate()
    rows = [(certificate, certificate_status(certificate, today)) for certificate in page]
    zip_query = request.GET.copy()
    for key in list(zip_query):
        if key not in FILTER_KEYS:
            zip_query.pop(key)
    return render(
        request,
        "certificates/hr/search.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "official": form.cleaned_data.get("official") if form.is_valid() else None,
            "zip_querystring": zip_query.urlencode(),
        },
    )


@hr_required()
@require_GET
def detail(request, pk):
    certificate = get_object_or_404(hr.certificates_for(request.user).select_related("official__unit"), pk=pk)
    today = timezone.localdate()
    revisions = [(revision, certificate_status(revision, today)) for revision in hr.revisions(request.user, certificate)]
    latest = revisions[0][0]
    return render(
        request,
        "certificates/hr/detail.html",
        {
            "certificate": certificate,
            "latest": latest,
            "latest_status": revisions[0][1],
            "revisions": revisions,
            "revoked": next((revision for revision, _status in revisions if revision.revoked_at), None),
            "can_manage": hr.can_manage(request.user, certificate),
            "can_change": latest.is_current and latest.revoked_at is None,
        },
    )


@hr_required()
@require_GET
def download(request, pk):
    """Any revision's PDF, old ones included (they are kept for this)."""
    certificate = hr.certificates_for(request.user).filter(pk=pk).first()
    if certificate is None:
        raise Http404
    return attachment(certificate.pdf, f"{certificate.serial}-r{certificate.revision}.pdf", "application/pdf")


def _manageable(request, pk):
    return get_object_or_404(hr.certificates_for(request.user, manage=True).select_related("official"), pk=pk)


@hr_required(manage=True)
@require_http_methods(["GET", "POST"])
def reissue(request, pk):
    certificate = _manageable(request, pk)
    form = ReissueForm(
        request.POST if request.method == "POST" else None, initial={"holder_name": certificate.official.full_name}
    )
    if form.is_valid():
        try:
            new = services.reissue(
                certificate, request.user, form.cleaned_data["reason"], holder_name=form.cleaned_data["holder_name"]
            )
        except services.CertificateError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The certificate %(serial)s was reissued as revision %(revision)s.")
                % {"serial": new.serial, "revision": new.revision},
            )
            return redirect("hr_certificates:detail", pk=new.pk)
    return render(request, "certificates/hr/reissue.html", {"form": form, "certificate": certificate})


@hr_required(manage=True)
@require_http_methods(["GET", "POST"])
def revoke(request, pk):
    certificate = _manageable(request, pk)
    form = RevokeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.revoke(certificate, request.user, form.cleaned_data["reason"])
        except services.CertificateError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The certificate %(serial)s was revoked.") % {"serial": certificate.serial})
            return redirect("hr_certificates:detail", pk=certificate.pk)
    return render(request, "certificates/hr/revoke.html", {"form": form, "certificate": certificate})


@hr_required()
@require_http_methods(["GET", "POST"])
def archive_start(request):
    if request.method == "POST":
        form = ArchiveForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                job = archive.start(request.user, form.cleaned_data)
            except archive.ArchiveRefused as error:
                form.add_error(None, str(error))
            else:
                return redirect("hr_certificates:archive_detail", pk=job.pk)
    else:
        # Prefilled from the search it was opened from.
        form = ArchiveForm(initial={key: request.GET.get(key) for key in FILTER_KEYS}, user=request.user)
    archives = archive.for_user(request.user)[:10]
    return render(request, "certificates/hr/archive_start.html", {"form": form, "archives": archives})


def _own_archive(request, pk):
    return get_object_or_404(archive.for_user(request.user), pk=pk)


@hr_required()
@require_GET
def archive_detail(request, pk):
    job = _own_archive(request, pk)
    course_id = job.filters.get("course")
    status = job.filters.get("status")
    return render(
        request,
        "certificates/hr/archive_detail.html",
        {
            "archive": job,
            "course": CoursePage.objects.filter(pk=course_id).first() if course_id else None,
            "status_label": Status(status).label if status in Status.values else "",
        },
    )


@hr_required()
@require_GET
def archive_download(request, pk):
    job = _own_archive(request, pk)
    if job.status != CertificateArchive.Status.DONE:
        raise Http404
    return attachment(job.file, f"chung-nhan-{job.unit.code}-{job.created_at:%Y%m%d}.zip", "application/zip")
