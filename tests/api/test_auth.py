"""Who the API answers: a bearer token of an active user with an HR scope (or an administrator),
and nothing else — not a session, not a revoked or expired token."""

import datetime
import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.api import tokens
from lms.api.models import ApiToken
from lms.people.models import HRScope
from tests.api.conftest import bearer
from tests.support.people import hr_of

SUMMARY = "/api/v1/summary/"


def assert_refused(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert set(response.json()) == {"detail"}
    if status == 401:
        assert response["WWW-Authenticate"] == "Bearer"


def test_a_token_opens_the_api(client, world, token_of):
    assert client.get(SUMMARY, headers=bearer(token_of(hr_of(world.a)))).status_code == 200


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Token abc", "Bearer " + "x" * 5000],
)
def test_no_token_or_a_wrong_one_is_401(client, world, token_of, header):
    token_of(hr_of(world.a))
    assert_refused(client.get(SUMMARY, headers={"Authorization": header} if header else {}), 401)


def test_a_revoked_token_is_401(client, world):
    token, secret = tokens.issue(hr_of(world.a), "t")
    tokens.revoke(token)
    assert_refused(client.get(SUMMARY, headers=bearer(secret)), 401)


def test_an_expired_token_is_401(client, world, clock, token_of):
    secret = token_of(hr_of(world.a), days=1)
    assert client.get(SUMMARY, headers=bearer(secret)).status_code == 200
    clock.advance(days=1)
    assert_refused(client.get(SUMMARY, headers=bearer(secret)), 401)


def test_a_token_of_an_inactive_user_is_401(client, world, token_of):
    user = hr_of(world.a)
    secret = token_of(user)
    user.is_active = False
    user.save()
    assert_refused(client.get(SUMMARY, headers=bearer(secret)), 401)


def test_an_official_without_hr_scope_is_403(client, official_user, token_of):
    assert_refused(client.get(SUMMARY, headers=bearer(token_of(official_user))), 403)
    assert_refused(client.get("/api/v1/units/", headers=bearer(token_of(official_user))), 403)


def test_an_administrator_reads_everything(client, world, admin_user, token_of):
    response = client.get(SUMMARY, {"unit": world.b.pk}, headers=bearer(token_of(admin_user)))
    assert response.status_code == 200


def test_a_session_alone_does_not_open_the_api(client, world):
    client.force_login(hr_of(world.province))
    assert client.get("/nhan-su/bao-cao/").status_code == 200  # the same user, on the dashboard
    for path in ("units/", "summary/", "by-unit/", "by-group/", "by-course/"):
        assert_refused(client.get(f"/api/v1/{path}"), 401)


def test_the_secret_is_stored_only_as_its_sha256(world):
    token, secret = tokens.issue(hr_of(world.a), "Báo cáo tỉnh")
    assert len(secret) >= 43
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert row["key_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert row["prefix"] == secret[:8]
    assert not any(secret in str(value) for value in row.values())
    assert tokens.find(secret).pk == token.pk
    assert tokens.find(row["key_hash"]) is None  # the hash is not a token


def test_the_lookup_is_one_query_and_last_use_is_written_once_a_minute(world, clock):
    token, secret = tokens.issue(hr_of(world.a), "t")
    assert token.last_used_at is None
    counts = []
    for step in (0, 30, 29, 2):
        clock.advance(seconds=step)
        with CaptureQueriesContext(connection) as queries:
            assert tokens.find(secret) is not None
        counts.append(len(queries))
    assert counts == [2, 1, 1, 2]  # first use; 30 s and 59 s later; 61 s later
    token.refresh_from_db()
    assert token.last_used_at == clock()


def test_losing_the_hr_scope_closes_the_api(client, world, token_of):
    user = hr_of(world.a)
    secret = token_of(user)
    HRScope.objects.filter(user=user).delete()
    assert_refused(client.get(SUMMARY, headers=bearer(secret)), 403)


# The management command -----------------------------------------------------------------------


def test_the_command_prints_a_working_secret(client, world, clock):
    user = hr_of(world.province, username="bao-cao-tinh")
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token", "bao-cao-tinh", "--name", "Hệ thống báo cáo tỉnh", "--days", "30", stdout=out, stderr=err
    )
    secret = out.getvalue().strip()
    token = ApiToken.objects.get(user=user)
    assert token.name == "Hệ thống báo cáo tỉnh" and token.prefix == secret[:8]
    assert token.expires_at == clock() + datetime.timedelta(days=30)
    assert secret not in err.getvalue() and token.prefix in err.getvalue()
    assert client.get(SUMMARY, headers=bearer(secret)).status_code == 200


def test_the_command_refuses_unknown_users_and_bad_days(world, official_user):
    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody", "--name", "x", stdout=io.StringIO())
    hr_of(world.a, username="hr-a")
    for days in ("0", "-3", "100000"):
        with pytest.raises(CommandError):
            call_command("create_api_token", "hr-a", "--name", "x", "--days", days, stdout=io.StringIO())
    err = io.StringIO()
    call_command("create_api_token", official_user.username, "--name", "x", stdout=io.StringIO(), stderr=err)
    assert "403" in err.getvalue()  # warned: the token will be refused until the user has an HR scope
    assert ApiToken.objects.count() == 1
