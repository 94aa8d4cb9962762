from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from . import forms, views_officials, views_units
from .models import JobPosition, LeadershipTitle, Official, OrgUnit, PositionGroup


class WithoutActionsPolicy(ModelPermissionPolicy):
    """Refuses some actions to everyone, superusers included: units are closed and officials
    deactivated, never deleted, because records made under them must stay attached."""

    def __init__(self, model, refused):
        super().__init__(model)
        self.refused = frozenset(refused)

    def user_has_permission(self, user, action):
        return action not in self.refused and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission([action for action in actions if action not in self.refused])


# Registered before any admin view asks for a policy (Wagtail refuses a late registration).
register_permission_policy(OrgUnit, WithoutActionsPolicy(OrgUnit, {"delete"}))
# Officials arrive through the import, which also creates their account and sends the password link.
register_permission_policy(Official, WithoutActionsPolicy(Official, {"add", "delete"}))


class PositionGroupViewSet(ModelViewSet):
    model = PositionGroup
    icon = "group"
    form_fields = ["code", "name", "sort_order"]
    list_display = ["name", "code", "sort_order"]
    add_to_admin_menu = False


class JobPositionViewSet(ModelViewSet):
    model = JobPosition
    icon = "group"
    form_fields = ["code", "name", "sort_order"]
    list_display = ["name", "code", "sort_order"]
    add_to_admin_menu = False


class LeadershipTitleViewSet(ModelViewSet):
    model = LeadershipTitle
    icon = "group"
    form_fields = ["code", "name", "sort_order"]
    list_display = ["name", "code", "sort_order"]
    add_to_admin_menu = False


class OfficialViewSet(ModelViewSet):
    model = Official
    icon = "user"
    index_view_class = views_officials.OfficialIndexView
    edit_view_class = views_officials.OfficialEditView
    list_display = [
        "full_name",
        "employee_code",
        "unit",
        "position_group",
        "job_position",
        "leadership_title",
        "is_active",
    ]
    list_filter = ["position_group", "job_position", "leadership_title", "is_active"]
    search_fields = ["full_name", "employee_code"]
    copy_view_enabled = False
    add_to_admin_menu = False

    def get_form_class(self, for_update=False):
        return forms.OfficialAdminForm

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(add_url_name=None, delete_url_name=None, **kwargs)

    def get_urlpatterns(self):
        return [p for p in super().get_urlpatterns() if p.name not in ("add", "delete")]


class OrgUnitViewSet(ModelViewSet):
    model = OrgUnit
    icon = "site"
    index_view_class = views_units.UnitIndexView
    add_view_class = views_units.UnitCreateView
    edit_view_class = views_units.UnitEditView
    close_view_class = views_units.UnitCloseView
    ordering = "path"
    list_display = ["name", "kind", "code", views_units.validity_column(), "successor"]
    filterset_class = views_units.OrgUnitFilterSet
    list_per_page = 100
    copy_view_enabled = False
    add_to_admin_menu = False

    def get_form_class(self, for_update=False):
        return forms.OrgUnitEditForm if for_update else forms.OrgUnitCreateForm

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(close_url_name=self.get_url_name("close"), delete_url_name=None, **kwargs)

    def get_permissions_to_register(self):
        return super().get_permissions_to_register().exclude(codename="delete_orgunit")

    @property
    def close_view(self):
        return self.construct_view(
            self.close_view_class,
            **self.get_edit_view_kwargs(form_class=forms.CloseUnitForm, template_name=self.edit_template_name),
        )

    def get_urlpatterns(self):
        # No delete URL: the policy refuses deletion and the views never link to it.
        patterns = [p for p in super().get_urlpatterns() if p.name != "delete"]
        return [*patterns, path("close/<int:pk>/", self.close_view, name="close")]


class PeopleViewSetGroup(ViewSetGroup):
    items = (OfficialViewSet, OrgUnitViewSet, PositionGroupViewSet, JobPositionViewSet, LeadershipTitleViewSet)
    menu_icon = "group"
    menu_label = _("People")
    menu_name = "people"


@hooks.register("register_admin_viewset")
def register_people_viewsets():
    return PeopleViewSetGroup()


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    from django.urls import reverse
    from wagtail.admin.menu import MenuItem

    class HRMenuItem(MenuItem):
        def is_shown(self, request):
            from .scopes import scope_for

            return not scope_for(request.user).is_empty

    return HRMenuItem(_("Officials and import"), reverse("people:official_list"), icon_name="upload", order=250)


@hooks.register("register_log_actions")
def register_unit_log_actions(actions):
    actions.register_action(views_units.CLOSE_ACTION, _("Close unit"), _("Unit closed"))
