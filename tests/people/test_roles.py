from django.contrib.auth.models import Group
from django.urls import reverse

from lms.people import roles
from tests.factories import OfficialFactory, UserFactory
from tests.support.auth import assert_sent_to_the_admin_home
from tests.support.people import member


def test_roles_are_idempotent(catalogue):
    roles.ensure_roles(catalogue)
    roles.ensure_roles(catalogue)
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLE_NAMES.values())


def test_trainer_edits_and_adds_lessons_in_the_admin(client, role_groups, course):
    client.force_login(member(role_groups, roles.TRAINER, username="gv"))
    lesson = course.lessons().first()
    assert client.get(reverse("wagtailadmin_pages:edit", args=[lesson.pk])).status_code == 200
    add_lesson = reverse("wagtailadmin_pages:add", args=["content", "lessonpage", course.pk])
    assert client.get(add_lesson).status_code == 200
    under_catalogue = reverse("wagtailadmin_pages:add", args=["content", "lessonpage", course.get_parent().pk])
    assert_sent_to_the_admin_home(client.get(under_catalogue))  # lessons only under a course


def test_trainer_can_preview_a_lesson(client, role_groups, course):
    client.force_login(member(role_groups, roles.TRAINER, username="gv"))
    lesson = course.lessons().first().specific
    response = client.get(reverse("wagtailadmin_pages:view_draft", args=[lesson.pk]))
    assert response.status_code == 200
    assert lesson.title in response.content.decode()


def test_officials_have_no_admin(client, role_groups):
    official = OfficialFactory()
    official.user.groups.add(role_groups[roles.OFFICIAL])
    client.force_login(official.user)
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 302


def test_only_administrators_use_the_unscoped_official_admin(client, role_groups):
    OfficialFactory(full_name="Hà Thị Lan")
    for role in (roles.HR, roles.TRAINER):
        client.force_login(member(role_groups, role, username=f"u-{role}"))
        assert_sent_to_the_admin_home(client.get(reverse("official:index")))
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    response = client.get(reverse("official:index"))
    assert response.status_code == 200
    assert "Hà Thị Lan" in response.content.decode()


def test_the_administrator_group_runs_the_tree_but_deletes_nothing(client, role_groups):
    official = OfficialFactory(full_name="Hà Thị Lan")
    client.force_login(member(role_groups, roles.ADMIN, username="qt"))
    for url in (
        reverse("orgunit:index"),
        reverse("orgunit:add"),
        reverse("orgunit:edit", args=[official.unit_id]),
        reverse("orgunit:close", args=[official.unit_id]),
        reverse("official:edit", args=[official.pk]),
    ):
        assert client.get(url).status_code == 200, url
    assert "Hà Thị Lan" in client.get(reverse("official:index")).content.decode()
    user = official.user.__class__.objects.get(username="qt")
    assert not user.has_perm("people.delete_orgunit") and not user.has_perm("people.delete_official")
