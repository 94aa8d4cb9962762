"""Who may open the HR pages: the decorator every HR view carries (people, certificates, reports,
API tokens). What a user may *see* there is ``scopes``' business; this only decides whether the
page opens at all."""

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .scopes import scope_for


def hr_required(manage=False):
    """Logged in, with an HR scope (a managing one when ``manage``) or administrator rights."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            scope = scope_for(request.user)
            if scope.is_empty or (manage and not scope.everything and not scope.manage_paths):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
