"""The Content-Security-Policy header (django-csp), with a looser policy for Wagtail's admin.

The site's policy is ``CONTENT_SECURITY_POLICY`` in settings: everything from the site itself, no
inline script or style. ``CONTENT_SECURITY_POLICY_ADMIN`` changes it in two places, directive by
directive (a view's own ``csp_replace``/``csp_update`` still wins over both):

- ``DIRECTIVES`` for every path under ``PATH_PREFIX`` (Wagtail's admin, whose templates and bundles
  are not ours to rewrite);
- ``PREVIEW_DIRECTIVES`` for Wagtail's previews: the editor renders the page through the whole
  middleware chain with a dummy request for the page's public address (``request.is_dummy``), and
  shows the result in a frame of the admin. The preview keeps the site's policy, so it shows what
  the site will show, except that the admin may frame it.
"""

from csp.middleware import CSPMiddleware
from django.conf import settings


class SiteCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if report_only or parts.config is not None:
            return parts
        admin = getattr(settings, "CONTENT_SECURITY_POLICY_ADMIN", None) or {}
        if getattr(request, "is_dummy", False):
            changes = admin.get("PREVIEW_DIRECTIVES", {})
        elif admin.get("PATH_PREFIX") and request.path_info.startswith(admin["PATH_PREFIX"]):
            changes = admin.get("DIRECTIVES", {})
        else:
            return parts
        parts.replace = {**changes, **(parts.replace or {})}
        return parts
