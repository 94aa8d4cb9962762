from django.conf import settings


def client_ip(request):
    """The visitor's address. Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, the address the
    outermost trusted proxy saw, taken from the right of X-Forwarded-For (the left is forgeable)."""
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR")
