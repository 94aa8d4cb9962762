"""/nhan-su/api/: HR lists, creates and revokes their own tokens; the secret is shown once."""

import hashlib

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from lms.api import tokens
from lms.api.models import ApiToken
from tests.api.conftest import bearer
from tests.support.auth import logged_in
from tests.support.people import hr_of

LIST = reverse("api_tokens:list")
CREATE = reverse("api_tokens:create")


def revoke_url(token):
    return reverse("api_tokens:revoke", args=[token.pk])


@pytest.fixture
def hr_client(client, world):
    client.user = hr_of(world.a)
    return logged_in(client, client.user)


def test_the_urls():
    assert LIST == "/nhan-su/api/" and CREATE == "/nhan-su/api/tao/"
    assert reverse("api_tokens:revoke", args=[7]) == "/nhan-su/api/7/thu-hoi/"


def test_anonymous_users_log_in_and_officials_are_refused(client, official_user):
    for url in (LIST, CREATE):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(official_user)
    assert client.get(LIST).status_code == 403
    assert client.post(CREATE, {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_the_secret_is_shown_once_and_stored_hashed(hr_client, world):
    response = hr_client.post(CREATE, {"name": "Hệ thống báo cáo tỉnh", "days": "90"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = BeautifulSoup(response.content, "html.parser").find("input", id="secret")["value"]
    assert response.content.decode().count(secret) == 1
    token = ApiToken.objects.get(user=hr_client.user)
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest() and token.prefix == secret[:8]
    assert token.expires_at is not None
    page = hr_client.get(LIST).content.decode()
    assert secret not in page and f"{token.prefix}…" in page and "Hệ thống báo cáo tỉnh" in page
    assert hr_client.get("/api/v1/summary/", headers=bearer(secret)).status_code == 200


def test_the_list_is_accessible_and_shows_only_one_s_own_tokens(hr_client, world):
    tokens.issue(hr_client.user, "Của tôi")
    tokens.issue(hr_of(world.b), "Của người khác")
    soup = BeautifulSoup(hr_client.get(LIST).content, "html.parser")
    text = soup.get_text()
    assert "Của tôi" in text and "Của người khác" not in text
    for field in soup.select(f"form[action='{CREATE}'] input:not([type=hidden])"):
        assert soup.find("label", attrs={"for": field["id"]}), field["name"]
    assert soup.find("a", href=reverse("api_v1:openapi-view"))


def test_invalid_input_creates_nothing(hr_client):
    for data in ({"name": ""}, {"name": "x", "days": "0"}, {"name": "x", "days": "abc"}, {"name": "x" * 101}):
        response = hr_client.post(CREATE, data)
        assert response.status_code == 400, data
        assert BeautifulSoup(response.content, "html.parser").select(".errors")
    assert not ApiToken.objects.exists()


def test_revoking_one_s_own_token(hr_client):
    token, secret = tokens.issue(hr_client.user, "t")
    response = hr_client.post(revoke_url(token))
    assert response.status_code == 302 and response["Location"] == LIST
    token.refresh_from_db()
    assert token.revoked_at is not None and token.status == ApiToken.Status.REVOKED
    assert hr_client.get("/api/v1/summary/", headers=bearer(secret)).status_code == 401
    assert "Revoke" not in hr_client.get(LIST).content.decode().split("<tbody>")[1].split("</tbody>")[0]


def test_another_user_s_token_is_not_found(hr_client, world):
    token, _secret = tokens.issue(hr_of(world.b), "t")
    assert hr_client.post(revoke_url(token)).status_code == 404
    assert hr_client.post(reverse("api_tokens:revoke", args=[999999])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_get_does_not_revoke_or_create(hr_client):
    token, _secret = tokens.issue(hr_client.user, "t")
    assert hr_client.get(revoke_url(token)).status_code == 405
    assert hr_client.get(CREATE).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None and ApiToken.objects.count() == 1


def test_posts_without_csrf_are_refused(world):
    user = hr_of(world.a)
    token, _secret = tokens.issue(user, "t")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(CREATE, {"name": "x"}).status_code == 403
    assert client.post(revoke_url(token)).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None and ApiToken.objects.count() == 1
    page = BeautifulSoup(client.get(LIST).content, "html.parser")
    csrf = page.find("input", attrs={"name": "csrfmiddlewaretoken"})["value"]
    assert client.post(CREATE, {"name": "x", "csrfmiddlewaretoken": csrf}).status_code == 200
    assert ApiToken.objects.count() == 2


def test_the_header_links_hr_to_the_tokens(hr_client):
    assert f'href="{LIST}"' in hr_client.get(reverse("people:official_list")).content.decode()
