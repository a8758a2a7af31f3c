"""The client's address behind our reverse proxies, for django-axes (AXES_CLIENT_IP_CALLABLE).

Each proxy appends to X-Forwarded-For the address it received the request from; whatever the
client sent in that header stands to the left of it. With PROXY_COUNT proxies of ours in front of
the application, the client is the PROXY_COUNT-th address from the right: the one our outermost
proxy wrote. Nothing further left is trusted, or anyone could pick whose lockout key they use.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def forwarded_client_ip(request: HttpRequest) -> str | None:
    """The address our outermost proxy saw, or REMOTE_ADDR when the header does not hold it."""
    remote = request.META.get("REMOTE_ADDR")
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    count = settings.PROXY_COUNT
    if count < 1 or len(hops) < count:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-count].strip()))
    except ValueError:  # not written by our proxy (or a request that bypassed it): the socket's address
        return remote


def client_ip(request: HttpRequest) -> str:
    """The client's address wherever the application keys something on it (lockouts, the feedback limit):
    behind our proxies (DJANGO_BEHIND_PROXY) the one they forwarded, otherwise REMOTE_ADDR."""
    if getattr(settings, "PROXY_COUNT", 0):
        return forwarded_client_ip(request) or ""
    return request.META.get("REMOTE_ADDR", "")
