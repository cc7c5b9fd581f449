"""Who sent a request, and which of its forwarded headers to believe.

Only a proxy listed in TRUSTED_PROXIES may tell perpdesk the scheme, client address
or host it saw. Django's SECURE_PROXY_SSL_HEADER believes X-Forwarded-Proto from
anyone, so `TrustedProxyMiddleware` (first in MIDDLEWARE) deletes those headers from
every other peer before anything reads them.
"""

import ipaddress

from django.conf import settings

# request.META names of headers only a trusted proxy may set.
FORWARDED_HEADERS = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_REAL_IP",
)


def parse_address(text):
    """An ip_address, or None for anything else (a Unix socket peer has no address)."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
    return getattr(address, "ipv4_mapped", None) or address


def address_in(text, networks):
    address = parse_address(text)
    return address is not None and any(address in network for network in networks)


def peer_is_trusted(request):
    """The connection comes from one of TRUSTED_PROXIES."""
    return address_in(request.META.get("REMOTE_ADDR", ""), settings.TRUSTED_PROXIES)


def client_address(request):
    """The client's address: the nearest untrusted hop in X-Forwarded-For, else the peer.

    X-Forwarded-For is only present when the peer is trusted (the middleware removed
    it otherwise); its left part is whatever the client wrote, so it is read from the
    right, skipping our own proxies.
    """
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed([hop.strip() for hop in hops if hop.strip()]):
        if not address_in(hop, settings.TRUSTED_PROXIES):
            return hop
    return request.META.get("REMOTE_ADDR", "")


class TrustedProxyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not peer_is_trusted(request):
            for name in FORWARDED_HEADERS:
                request.META.pop(name, None)
        return self.get_response(request)
