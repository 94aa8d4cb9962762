"""``notification_bell`` for the header: the user's unread count, asked only when a template uses
it, in one query, and only for a logged-in user (0 otherwise, with no query)."""

import operator

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, new_method_proxy

from . import selectors


class LazyCount(SimpleLazyObject):
    """A number computed on first use that behaves as one (``int()``, plural forms, ``{% if %}``)."""

    __int__ = new_method_proxy(int)
    __index__ = new_method_proxy(operator.index)
    __round__ = new_method_proxy(round)


def bell(request: HttpRequest) -> dict[str, LazyCount]:
    def count() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return selectors.unread_count(user)

    return {"notification_bell": LazyCount(count)}
