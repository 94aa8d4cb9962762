"""Admin for certificates: the templates (a snippet trainers and administrators edit).

The menu group "Certificates" is where further certificate admin views (lists, revocation)
belong: add their viewsets to ``CertificatesViewSetGroup.items``.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import CertificateTemplate


class CertificateTemplateViewSet(SnippetViewSet):
    model = CertificateTemplate
    icon = "doc-full"
    menu_label = _("Certificate templates")
    list_display = ["name", "title", "issuing_organisation", "signer_name", "is_default", "updated_at"]
    list_filter = ["is_default"]
    search_fields = ["name", "issuing_organisation", "signer_name"]


class CertificatesViewSetGroup(SnippetViewSetGroup):
    items = (CertificateTemplateViewSet,)
    menu_icon = "doc-full-inverse"
    menu_label = _("Certificates")
    menu_name = "certificates"
    menu_order = 260


register_snippet(CertificatesViewSetGroup)


@hooks.register("register_log_actions")
def register_certificate_log_actions(actions):
    from .services import REISSUE_ACTION, REVOKE_ACTION

    actions.register_action(REISSUE_ACTION, _("Reissue certificate"), _("Certificate reissued"))
    actions.register_action(REVOKE_ACTION, _("Revoke certificate"), _("Certificate revoked"))
