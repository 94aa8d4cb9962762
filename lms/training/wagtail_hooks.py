"""The admin menu's way to HR's training plans (the pages themselves are on the site)."""

from django.utils.translation import pgettext_lazy
from wagtail import hooks


@hooks.register("register_admin_menu_item")
def register_plans_menu_item():
    from django.urls import reverse
    from wagtail.admin.menu import MenuItem

    class PlansMenuItem(MenuItem):
        def is_shown(self, request):
            from lms.people.scopes import scope_for

            return not scope_for(request.user).is_empty

    return PlansMenuItem(
        pgettext_lazy("admin menu", "Training plans"), reverse("training:plan_list"), icon_name="date", order=260
    )
