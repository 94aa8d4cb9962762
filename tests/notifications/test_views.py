"""The list of one's notifications, and marking them read: one's own only, by POST."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from lms.notifications.models import EmailStatus, Notification, Trigger
from tests.notifications.conftest import TODAY, notify, official_user
from tests.support.auth import logged_in
from tests.support.html import soup_of
from tests.support.queries import count_queries

pytestmark = pytest.mark.django_db

LIST = reverse("notifications:list")
DUE = datetime.date(2027, 3, 24)


def test_the_pages_need_a_login(client):
    for url, method in ((LIST, client.get), (reverse("notifications:read_all"), client.post)):
        response = method(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_list_says_what_each_notification_says_newest_first(client, facts):
    user = official_user()
    older = notify(user, facts.course(1, "Chữ ký số", due_date=DUE))
    Notification.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=2), read_at=timezone.now()
    )
    notify(user, facts.course(2, "Hộ tịch", due_date=DUE), Trigger.DUE_SOON, day=TODAY)
    notify(user, 3)  # obsolete: not described any more
    notify(official_user(), facts.course(4, "Khóa của người khác"))

    page = soup_of(logged_in(client, user).get(LIST))

    items = page.select("main li.notification")
    assert len(items) == 2
    newest, oldest = items
    assert "unread" in newest["class"] and "unread" not in oldest["class"]
    assert "«Hộ tịch»" in newest.get_text() and "còn 14 ngày" in newest.get_text()
    assert "Anh/chị được giao khóa học «Chữ ký số»" in oldest.get_text()
    assert newest.select_one("a[href='/hoc-tap/khoa/2/']") is not None
    assert newest.select_one(f"form[action='{reverse('notifications:read', args=[newest_pk(user)])}']")
    assert oldest.select_one("form") is None  # read already
    assert "Khóa của người khác" not in page.get_text()


def newest_pk(user):
    return Notification.objects.filter(recipient=user, object_id=2).values_list("pk", flat=True).get()


def test_the_list_is_paginated(client, facts):
    user = official_user()
    for number in range(25):
        notify(user, facts.course(number, f"Khóa {number}"))
    logged_in(client, user)
    assert len(soup_of(client.get(LIST)).select("main li.notification")) == 20
    second = soup_of(client.get(LIST, {"page": 2}))
    assert len(second.select("main li.notification")) == 5
    assert second.select_one("nav.pager") is not None


def test_the_list_makes_the_same_queries_for_one_or_thirty(client, facts):
    user = official_user()
    logged_in(client, user)
    notify(user, facts.course(0, "Khóa 0"))
    notify(user, facts.course(1000, "Khóa 1000"), Trigger.OVERDUE)
    one = count_queries(client, LIST)
    for number in range(1, 30):
        notify(user, facts.course(number, f"Khóa {number}", due_date=DUE), Trigger.DUE_SOON)
    assert count_queries(client, LIST) == one


def test_marking_my_notification_read(client, facts):
    user = official_user()
    mine = notify(user, facts.course(1, "Chữ ký số"))
    other = notify(user, facts.course(2, "Hộ tịch"))
    logged_in(client, user)

    response = client.post(reverse("notifications:read", args=[mine.pk]), {"next": f"{LIST}?page=1"})

    assert response.status_code == 302 and response["Location"] == f"{LIST}?page=1"
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.read_at is not None and other.read_at is None
    assert client.post(reverse("notifications:read", args=[mine.pk])).status_code == 302  # again: fine


def test_another_users_notification_is_a_404(client, facts):
    theirs = notify(official_user(), facts.course(1, "Chữ ký số"))
    logged_in(client, official_user())
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_is_a_post(client, facts):
    user = official_user()
    mine = notify(user, facts.course(1, "Chữ ký số"))
    logged_in(client, user)
    assert client.get(reverse("notifications:read", args=[mine.pk])).status_code == 405
    assert client.get(reverse("notifications:read_all")).status_code == 405
    mine.refresh_from_db()
    assert mine.read_at is None


def test_an_outside_next_address_is_ignored(client, facts):
    user = official_user()
    mine = notify(user, facts.course(1, "Chữ ký số"))
    logged_in(client, user)
    response = client.post(reverse("notifications:read", args=[mine.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == LIST


def test_marking_all_read_touches_only_mine(client, facts):
    user, other = official_user(), official_user()
    for number in range(3):
        notify(user, facts.course(number, f"Khóa {number}"))
    theirs = notify(other, facts.course(9, "Khóa 9"))
    logged_in(client, user)
    response = client.post(reverse("notifications:read_all"))
    assert response.status_code == 302 and response["Location"] == LIST
    assert Notification.objects.filter(recipient=user, read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
    page = soup_of(client.get(LIST))
    assert page.select("main li.notification.unread") == []
    assert page.select_one("form[action='" + reverse("notifications:read_all") + "']") is None


def test_hr_can_find_what_could_not_be_emailed(facts):
    from lms.notifications import selectors, services

    no_address, fine = official_user(user__email=""), official_user()
    notify(no_address, facts.course(1, "Chữ ký số"))
    notify(fine, facts.course(1, "Chữ ký số"))
    services.deliver(TODAY)
    rows = selectors.not_emailed([no_address.pk, fine.pk])
    assert [(row.recipient_id, row.email_status) for row in rows] == [(no_address.pk, EmailStatus.NO_ADDRESS)]
    officials = type(no_address.official).objects.filter(pk=no_address.official.pk).values("user_id")
    assert selectors.not_emailed(officials).count() == 1
