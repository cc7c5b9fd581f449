"""Content-Security-Policy on every response, from settings.SECURE_CSP.

Django 5.2 has no CSP of its own; 6.0 does, reading the same setting, and this
middleware can then be replaced by `django.middleware.csp.ContentSecurityPolicyMiddleware`.
The other security headers (HSTS, nosniff, Referrer-Policy, COOP, X-Frame-Options)
are Django's own SecurityMiddleware and XFrameOptionsMiddleware.
"""

from django.conf import settings

HEADER = "Content-Security-Policy"


def policy_text(policy):
    return "; ".join(f"{directive} {' '.join(sources)}" for directive, sources in policy.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A view with its own, stricter policy keeps it.
        response.headers.setdefault(HEADER, policy_text(settings.SECURE_CSP))
        return response
