"""The bell in the header: the unread count, in one query, only for a logged-in user."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lms.notifications.models import EmailStatus, Notification, Trigger
from tests.notifications.conftest import notify, official_user
from tests.support.auth import logged_in
from tests.support.html import soup_of
from tests.support.queries import count_queries, queries_of

pytestmark = pytest.mark.django_db

TABLE = Notification._meta.db_table


def bell_of(response):
    return soup_of(response).select_one("header a.bell")


def test_the_bell_counts_my_unread_notifications(client, facts):
    user = official_user()
    for number in range(4):
        notify(user, facts.course(number, f"Khóa {number}"))
    Notification.objects.filter(object_id=2).update(read_at=timezone.now())
    Notification.objects.filter(object_id=3).update(email_status=EmailStatus.OBSOLETE)
    notify(official_user(), facts.course(9, "Khóa của người khác"), Trigger.OVERDUE)

    bell = bell_of(logged_in(client, user).get(reverse("learning:my_learning")))

    assert bell["href"] == reverse("notifications:list")
    assert bell["aria-label"] == "Thông báo: 2 chưa đọc"
    assert bell.select_one(".bell-count").get_text() == "2"
    assert "Thông báo" in bell.get_text()
    assert bell.select_one("svg")["aria-hidden"] == "true"


def test_no_badge_when_everything_is_read(client):
    bell = bell_of(logged_in(client, official_user()).get(reverse("learning:my_learning")))
    assert bell["aria-label"] == "Thông báo: 0 chưa đọc"
    assert bell.select_one(".bell-count") is None


def test_the_bell_costs_one_query_whatever_the_number(client, facts):
    user = official_user()
    logged_in(client, user)
    url = reverse("learning:my_learning")
    notify(user, facts.course(0, "Khóa 0"))
    _response, queries = queries_of(client, url)
    asked = [query["sql"] for query in queries if TABLE in query["sql"]]
    assert len(asked) == 1 and "COUNT(" in asked[0].upper()
    one = len(queries)
    for number in range(1, 30):
        notify(user, facts.course(number, f"Khóa {number}"))
    assert count_queries(client, url) == one
    assert bell_of(client.get(url)).select_one(".bell-count").get_text() == "30"


def test_an_anonymous_visitor_has_no_bell_and_no_query(client, course):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(course.url)
    assert response.status_code == 200
    assert bell_of(response) is None
    assert not any(TABLE in query["sql"] for query in queries)
