"""The platform's roles as Django groups, with the permissions each role needs."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission

OFFICIAL = "official"
TRAINER = "trainer"
HR = "hr"
ADMIN = "admin"

# Group names are data shown in the admin, kept in Vietnamese whatever the interface language.
ROLE_NAMES = {
    OFFICIAL: "Học viên",
    TRAINER: "Giảng viên",
    HR: "Cán bộ tổ chức",
    ADMIN: "Quản trị hệ thống",
}

# (app label, codename) of model permissions per role.
MODEL_PERMISSIONS = {
    OFFICIAL: [],
    TRAINER: [
        ("wagtailadmin", "access_admin"),
        ("content", "add_coursecategory"),
        ("content", "change_coursecategory"),
        ("content", "view_coursecategory"),
        ("content", "view_competency"),
        ("content", "add_question"),
        ("content", "change_question"),
        ("content", "delete_question"),
        ("content", "view_question"),
        ("certificates", "add_certificatetemplate"),
        ("certificates", "change_certificatetemplate"),
        ("certificates", "view_certificatetemplate"),
    ],
    # HR reads and manages officials through the scoped HR pages (lms.people.scopes), never
    # through the unscoped model admin, which is for administrators only.
    HR: [("wagtailadmin", "access_admin")],
    # The organisation tree and officials' records; units are closed and officials deactivated,
    # never deleted (lms.people.wagtail_hooks refuses deletion to everyone).
    ADMIN: [
        ("wagtailadmin", "access_admin"),
        ("people", "add_orgunit"),
        ("people", "change_orgunit"),
        ("people", "view_orgunit"),
        ("people", "change_official"),
        ("people", "view_official"),
        ("people", "add_positiongroup"),
        ("people", "change_positiongroup"),
        ("people", "view_positiongroup"),
        ("certificates", "add_certificatetemplate"),
        ("certificates", "change_certificatetemplate"),
        ("certificates", "delete_certificatetemplate"),
        ("certificates", "view_certificatetemplate"),
    ],
}
TRAINER_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "view_page"]
TRAINER_MEDIA_PERMISSIONS = [
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
]


def _permission(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def ensure_roles(catalogue_page=None):
    """Create or refresh the role groups; trainers may edit and publish pages under ``catalogue_page``."""
    groups = {}
    for role, name in ROLE_NAMES.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set([_permission(app, code) for app, code in MODEL_PERMISSIONS[role]])
        groups[role] = group
    if catalogue_page is not None:
        for codename in TRAINER_PAGE_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(
                group=groups[TRAINER], page=catalogue_page, permission=_permission("wagtailcore", codename)
            )
    root_collection = Collection.get_first_root_node()
    for app, codename in TRAINER_MEDIA_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(
            group=groups[TRAINER], collection=root_collection, permission=_permission(app, codename)
        )
    return groups
