"""The user's notifications: the list, and marking them read (POST). Only one's own: another
user's notification id is a 404."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services


def _back(request: HttpRequest) -> HttpResponse:
    """To ``next`` when it is a path of this site (the notification's link, a page of the list)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = selectors.page_for(request.user, request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def read(request: HttpRequest, pk: int) -> HttpResponse:
    if selectors.own(request.user, pk) is None:
        raise Http404
    services.mark_read(request.user, [pk])
    return _back(request)


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    services.mark_read(request.user, None)
    return _back(request)
