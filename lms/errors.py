"""Wagtail's deliberate error view (``/admin/failwhale/`` raises on purpose, to try out error
reporting) is for superusers only: to everyone else, trainers and HR included, it does not exist."""

from django.http import Http404
from wagtail.admin.views import home


def failwhale(request):
    if not request.user.is_superuser:
        raise Http404
    return home.error_test(request)
