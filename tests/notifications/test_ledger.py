"""The ledger key: a message is recorded once, however many times and ways it is recorded."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from lms.notifications import services
from lms.notifications.models import EmailStatus, Notification, Trigger
from tests.factories import UserFactory
from tests.notifications.conftest import TODAY, TOPIC

pytestmark = pytest.mark.django_db

USERS = get_user_model()._meta.db_table


def test_recording_a_key_twice_keeps_one_row():
    user = UserFactory()
    assert services.record(user.pk, TOPIC, 7, Trigger.DUE_SOON, TODAY) is True
    assert services.record(user.pk, TOPIC, 7, Trigger.DUE_SOON, TODAY) is False
    (row,) = Notification.objects.all()
    assert (row.recipient_id, row.topic, row.object_id, row.trigger, row.cycle, row.day) == (
        user.pk,
        TOPIC,
        7,
        "due_soon",
        1,
        TODAY,
    )
    assert row.email_status == EmailStatus.PENDING and row.read_at is None


def test_each_part_of_the_key_makes_another_message():
    user, other = UserFactory(), UserFactory()
    keys = [
        services.Key(user.pk, TOPIC, 7, Trigger.DUE_SOON, TODAY),
        services.Key(other.pk, TOPIC, 7, Trigger.DUE_SOON, TODAY),
        services.Key(user.pk, "other-topic", 7, Trigger.DUE_SOON, TODAY),
        services.Key(user.pk, TOPIC, 8, Trigger.DUE_SOON, TODAY),
        services.Key(user.pk, TOPIC, 7, Trigger.OVERDUE, TODAY),
        services.Key(user.pk, TOPIC, 7, Trigger.DUE_SOON, TODAY + datetime.timedelta(days=1)),
        services.Key(user.pk, TOPIC, 7, Trigger.DUE_SOON, TODAY, cycle=2),
    ]
    assert services.record_many(keys + keys[:3]) == len(keys)  # the repeats within one call too
    assert services.record_many(keys) == 0
    assert Notification.objects.count() == len(keys)


def test_record_many_inserts_in_batches(monkeypatch):
    monkeypatch.setattr(services, "BATCH", 3)
    user = UserFactory()
    keys = (services.Key(user.pk, TOPIC, number, Trigger.ASSIGNED, TODAY) for number in range(8))
    assert services.record_many(keys) == 8
    assert Notification.objects.count() == 8


def test_record_select_records_a_set_once():
    users = [UserFactory() for _ in range(3)]
    ids = [user.pk for user in users]
    select = f"SELECT u.id, %s, u.id, 'assigned', 1, %s FROM {USERS} u WHERE u.id IN (%s, %s, %s)"
    assert services.record_select(select, [TOPIC, TODAY, *ids]) == 3
    assert services.record_select(select, [TOPIC, TODAY, *ids]) == 0
    rows = Notification.objects.order_by("recipient_id")
    assert [(row.recipient_id, row.object_id, row.day, row.email_status) for row in rows] == [
        (pk, pk, TODAY, "pending") for pk in ids
    ]
    assert all(row.created_at is not None for row in rows)


def test_record_select_with_a_join_and_a_key_already_there():
    """The SELECT may join (the ``ON`` of a join and of the upsert do not mix) and overlap."""
    first, second = UserFactory(), UserFactory()
    services.record(first.pk, TOPIC, first.pk, Trigger.ASSIGNED, TODAY, cycle=2)
    select = (
        f"SELECT u.id, %s, v.id, 'assigned', 2, %s FROM {USERS} u JOIN {USERS} v ON v.id = u.id WHERE u.id IN (%s, %s)"
    )
    assert services.record_select(select, [TOPIC, TODAY, first.pk, second.pk]) == 1
    assert Notification.objects.filter(cycle=2).count() == 2
