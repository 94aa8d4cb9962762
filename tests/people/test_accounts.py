"""Account security and the official's own profile: login throttling, password reset and change, /ho-so/."""

import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.people.models import OrgUnit, Placement
from tests.factories import OfficialFactory, UserFactory, make_unit

PASSWORD = "Mat-khau-2026"
NEW_PASSWORD = "Tre-xanh-Son-Ha-2027"

pytestmark = pytest.mark.django_db


def log_in(client, user, password=PASSWORD, ip="10.1.1.1"):
    return client.post(reverse("login"), {"username": user.username, "password": password}, REMOTE_ADDR=ip)


def logged_in_as(client, user):
    return client.session.get("_auth_user_id") == str(user.pk)


def fail(client, user, times, ip="10.1.1.1"):
    return [log_in(client, user, "sai-mat-khau", ip=ip).status_code for _ in range(times)]


# Login throttling


def test_after_five_wrong_passwords_the_right_one_is_refused(client, official):
    assert fail(client, official.user, 4) == [200, 200, 200, 200]  # the form again, with its error
    assert log_in(client, official.user, "sai-mat-khau").status_code == 429  # the fifth locks

    response = log_in(client, official.user)
    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert reverse("password_reset") in response.content.decode()
    assert not logged_in_as(client, official.user)
    assert client.get(reverse("profile")).status_code == 302


def test_a_successful_login_resets_the_count(client, official):
    fail(client, official.user, 4)
    assert log_in(client, official.user).status_code == 302
    assert logged_in_as(client, official.user)
    assert not AccessAttempt.objects.exists()

    other = Client()
    assert fail(other, official.user, 4) == [200] * 4  # 8 failures in all, but never 5 in a row
    assert log_in(other, official.user).status_code == 302
    assert logged_in_as(other, official.user)


def test_another_address_is_not_locked(client, official):
    fail(client, official.user, 5, ip="10.1.1.1")
    assert log_in(client, official.user, ip="10.1.1.1").status_code == 429

    response = log_in(client, official.user, ip="10.2.2.2")
    assert response.status_code == 302
    assert logged_in_as(client, official.user)


def test_another_account_from_the_same_address_is_not_locked(client, official):
    fail(client, official.user, 5)
    colleague = UserFactory()
    assert log_in(client, colleague).status_code == 302
    assert logged_in_as(client, colleague)


def test_the_lock_lifts_after_fifteen_minutes(client, official):
    fail(client, official.user, 5)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=16))
    assert log_in(client, official.user).status_code == 302
    assert logged_in_as(client, official.user)


# Password reset by e-mail


def reset_link(message):
    match = re.search(r"http://testserver(/mat-khau/dat-lai/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def request_reset(client, email):
    return client.post(reverse("password_reset"), {"email": email})


def choose_password(client, link, password=NEW_PASSWORD):
    form_url = client.get(link)["Location"]  # Django moves the token into the session first
    page = client.get(form_url)
    assert page.status_code == 200 and page.context["validlink"]
    assert set(page.context["form"].fields) == {"new_password1", "new_password2"}
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def test_reset_request_page_has_a_labelled_email_field(client):
    page = client.get(reverse("password_reset"))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<label for="id_email">' in html and 'id="id_email"' in html and "csrfmiddlewaretoken" in html
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()


def test_reset_flow_end_to_end(client, official):
    response = request_reset(client, official.user.email.upper())
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert client.get(response["Location"]).status_code == 200
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [official.user.email]
    link = reset_link(message)
    assert official.user.username in message.body

    response = choose_password(client, link)
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_complete")
    assert client.get(response["Location"]).status_code == 200

    assert log_in(Client(), official.user, PASSWORD).status_code == 200  # the old password no longer works
    fresh = Client()
    assert log_in(fresh, official.user, NEW_PASSWORD).status_code == 302
    assert logged_in_as(fresh, official.user)


def test_a_reset_link_works_once(client, official):
    request_reset(client, official.user.email)
    link = reset_link(mail.outbox[0])
    choose_password(client, link)
    page = Client().get(link, follow=True)
    assert page.status_code == 200 and not page.context["validlink"]
    assert "form" not in page.context or page.context["form"] is None


def test_an_unknown_email_gets_the_same_page_and_no_mail(client, official):
    response = request_reset(client, "khong-co-ai@example.test")
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_an_inactive_account_gets_no_mail(client, official):
    get_user_model().objects.filter(pk=official.user.pk).update(is_active=False)
    request_reset(client, official.user.email)
    assert mail.outbox == []


def test_an_imported_official_who_never_chose_a_password_gets_a_link(client, official):
    official.user.set_unusable_password()
    official.user.save()
    request_reset(client, official.user.email)
    assert len(mail.outbox) == 1
    assert choose_password(client, reset_link(mail.outbox[0])).status_code == 302
    official.user.refresh_from_db()
    assert official.user.check_password(NEW_PASSWORD)


def test_an_account_without_profile_or_password_gets_no_mail(client):
    user = UserFactory()
    user.set_unusable_password()
    user.save()
    request_reset(client, user.email)
    assert mail.outbox == []


def test_reset_link_is_named_for_the_account_emails():
    assert reverse("password_reset_confirm", args=["MQ", "abc-123"]) == "/mat-khau/dat-lai/MQ/abc-123/"


# Password change


def test_password_change_needs_login(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_password_change_needs_the_old_password(learner_client, official):
    page = learner_client.get(reverse("password_change"))
    assert set(page.context["form"].fields) == {"old_password", "new_password1", "new_password2"}

    data = {"old_password": "doan-bua", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    response = learner_client.post(reverse("password_change"), data)
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    assert 'aria-invalid="true"' in response.content.decode()
    official.user.refresh_from_db()
    assert official.user.check_password(PASSWORD)


def test_password_change_with_the_old_password(learner_client, official):
    data = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    response = learner_client.post(reverse("password_change"), data)
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    official.user.refresh_from_db()
    assert official.user.check_password(NEW_PASSWORD)
    assert learner_client.get(reverse("profile")).status_code == 200  # still logged in


# CSRF: every state change is a POST with a token


def test_reset_post_without_token_is_refused(official):
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("password_reset"), {"email": official.user.email}).status_code == 403
    assert mail.outbox == []


def test_password_change_post_without_token_is_refused(official):
    client = Client(enforce_csrf_checks=True)
    client.force_login(official.user)
    data = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert client.post(reverse("password_change"), data).status_code == 403
    official.user.refresh_from_db()
    assert official.user.check_password(PASSWORD)


def test_login_post_without_token_is_refused(official):
    client = Client(enforce_csrf_checks=True)
    assert log_in(client, official.user).status_code == 403
    assert not logged_in_as(client, official.user)


def test_profile_is_read_only(learner_client):
    assert learner_client.post(reverse("profile")).status_code == 405


# Profile


@pytest.fixture
def moved_official():
    """An official of Xã Sơn Hà, who worked in a commune of a district closed on 30/06/2025."""
    province = make_unit(name="Tỉnh Minh Sơn", kind=OrgUnit.Kind.PROVINCE)
    district = make_unit(province, name="Huyện Sơn Tây", kind=OrgUnit.Kind.DISTRICT)
    old_commune = make_unit(district, name="Xã Sơn Lâm", valid_to=datetime.date(2025, 6, 30))
    commune = make_unit(province, name="Xã Sơn Hà")
    official = OfficialFactory(full_name="Lò Văn Thắng", employee_code="CB-SH-0042", unit=commune, phone="0912345678")
    Placement.objects.create(
        official=official, unit=old_commune, started_on=datetime.date(2019, 3, 1), ended_on=datetime.date(2025, 6, 30)
    )
    Placement.objects.create(official=official, unit=commune, started_on=datetime.date(2025, 7, 1))
    return official


def test_profile_shows_the_officials_own_data_and_history(client, moved_official):
    client.force_login(moved_official.user)
    response = client.get(reverse("profile"))
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "Lò Văn Thắng",
        "CB-SH-0042",
        "Xã Sơn Hà · Tỉnh Minh Sơn",
        moved_official.position_group.name,
        moved_official.user.email,
        "0912345678",
        "Xã Sơn Lâm · Huyện Sơn Tây · Tỉnh Minh Sơn",
        "01/03/2019",
        "30/06/2025",
        "01/07/2025",
        f'href="{reverse("password_change")}"',
        f'href="{reverse("learning:my_learning")}"',
    ]:
        assert text in html, text
    assert [p.unit.name for p, _chain in response.context["placements"]] == ["Xã Sơn Hà", "Xã Sơn Lâm"]


def test_profile_requires_login(client):
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('profile')}"


def test_profile_shows_nothing_of_another_official(client, moved_official):
    other = OfficialFactory(full_name="Hà Thị Khác", employee_code="CB-KHAC-9", phone="0987000111")
    client.force_login(other.user)
    html = client.get(reverse("profile")).content.decode()
    assert "Hà Thị Khác" in html
    for text in ["Lò Văn Thắng", "CB-SH-0042", "Xã Sơn Hà", "Xã Sơn Lâm", moved_official.user.email, "0912345678"]:
        assert text not in html, text


def test_account_without_official_profile_gets_a_page(client):
    user = UserFactory()
    client.force_login(user)
    response = client.get(reverse("profile"))
    assert response.status_code == 200
    assert response.context["official"] is None
    assert f'href="{reverse("password_change")}"' in response.content.decode()


def test_header_links_to_the_profile_only_when_logged_in(client, official, site):
    assert f'href="{reverse("profile")}"' not in client.get(reverse("login")).content.decode()
    client.force_login(official.user)
    assert f'href="{reverse("profile")}"' in client.get(reverse("password_change")).content.decode()


def count_profile_queries(client, official):
    client.force_login(official.user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("profile")).status_code == 200
    return len(queries)


def test_profile_queries_do_not_grow_with_history_or_depth(client, moved_official):
    few = count_profile_queries(client, moved_official)

    unit = moved_official.unit
    busy = OfficialFactory(unit=unit)
    for year in range(2000, 2012):
        unit = make_unit(unit, name=f"Phòng {year}")
        Placement.objects.create(
            official=busy, unit=unit, started_on=datetime.date(year, 1, 1), ended_on=datetime.date(year, 12, 31)
        )
    many = count_profile_queries(Client(), busy)
    assert few == many
