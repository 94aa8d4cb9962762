"""A small per-address rate limit for the public verification pages (guessing codes, or flooding
the PDF check, which costs a signature validation per request)."""

import functools

from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import gettext as _

from lms.core.client_ip import client_ip


def rate_limited(scope, limit, window=60, methods=None):
    """Allow ``limit`` requests per ``window`` seconds per visitor address; then a translated 429.
    With ``methods`` (e.g. ``("POST",)``) only requests of those methods are counted and refused;
    the others (a GET of the form) always pass."""
    counted = {method.upper() for method in methods} if methods else None

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if counted is not None and request.method not in counted:
                return view(request, *args, **kwargs)
            key = f"ratelimit:{scope}:{client_ip(request)}"
            cache.add(key, 0, window)
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, window)
                count = 1
            if count > limit:
                response = render(
                    request,
                    "certificates/too_many.html",
                    {"message": _("Too many checks from your address. Please wait a minute and try again.")},
                    status=429,
                )
                response["Retry-After"] = str(window)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
