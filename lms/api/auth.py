"""Bearer-token authentication of the API. Only the ``Authorization: Bearer`` header counts: a
session cookie never opens the API."""

from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import HttpBearer

from lms.people.scopes import scope_for

from . import tokens


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>``: the token's ``ApiToken`` (``request.auth``), or 401 when
    unknown, revoked, expired or of an inactive user; 403 when its user reads no unit."""

    def authenticate(self, request, token):
        found = tokens.find(token)
        if found is None:
            raise AuthenticationError(message=_("The token is unknown, revoked or expired."))
        if scope_for(found.user).is_empty:
            raise AuthorizationError(message=_("The token's user has no HR scope."))
        return found
