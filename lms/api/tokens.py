"""Issuing, finding and revoking API tokens. The secret leaves this module once, from ``issue``;
what is stored is its SHA-256."""

import datetime
import hashlib
import hmac
import secrets

from django.db.models import Q
from django.utils import timezone

from .models import ApiToken

PREFIX_LENGTH = 8
# ``last_used_at`` is written at most this often per token, not on every request.
USE_RESOLUTION = datetime.timedelta(minutes=1)
MAX_SECRET_LENGTH = 200  # far longer than any token issued; anything longer is not hashed


def hash_secret(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(user, name, days=None):
    """A new token for ``user``: ``(token, secret)``. The secret is not stored; show it once."""
    secret = secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:PREFIX_LENGTH],
        key_hash=hash_secret(secret),
        created_at=now,
        expires_at=now + datetime.timedelta(days=days) if days else None,
    )
    return token, secret


def find(secret):
    """The usable token whose secret is ``secret`` (with its user), or None: unknown, revoked,
    expired, or of an inactive user. One query, and an update of ``last_used_at`` at most once a
    minute. The lookup is by the SHA-256 of the secret, so its timing says nothing about the secret;
    the final comparison is constant-time all the same."""
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return None
    digest = hash_secret(secret)
    token = ApiToken.objects.select_related("user").filter(key_hash=digest).first()
    if token is None or not hmac.compare_digest(token.key_hash, digest):
        return None
    now = timezone.now()
    if token.status_on(now) != ApiToken.Status.ACTIVE or not token.user.is_active:
        return None
    _touch(token, now)
    return token


def _touch(token, now):
    if token.last_used_at is not None and now - token.last_used_at < USE_RESOLUTION:
        return
    ApiToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - USE_RESOLUTION), pk=token.pk
    ).update(last_used_at=now)
    token.last_used_at = now


def revoke(token):
    """Revoke ``token`` (once: a second revocation keeps the first date)."""
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    token.refresh_from_db(fields=["revoked_at"])
