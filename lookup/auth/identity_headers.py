"""The identity headers a client must never get through to perpdesk, as nginx lines.

In proxy mode perpdesk believes PROXY_USER_HEADER and PROXY_GROUPS_HEADER (or verifies
PROXY_JWT_HEADER) from TRUSTED_PROXIES. nginx is one of those, so whatever a client
sends under those names must be dropped there. The vendors' usual names are dropped as
well, so that changing a setting or a proxy does not open a gap.

`manage.py nginx_identity_headers` prints the lines for where the authenticating proxy
sits (PLACEMENTS); deploy/nginx/perpdesk.conf holds the "edge" lines for the default
settings, and tests/deploy/test_nginx_headers.py runs real nginx on them.

`proxy_set_header Name "";` makes nginx send no such header, whatever the client sent,
in any letter case. Spellings with underscores (X_Forwarded_Email, which WSGI folds
onto the same key) are dropped by nginx itself while `underscores_in_headers` is off,
its default, which the sample site states.
"""

import re
from dataclasses import dataclass

from django.conf import settings

# Letters, digits and inner hyphens: what servers pass on, and safe inside nginx lines.
HEADER_NAME = re.compile(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*")

# What each proxy the README names sets (each vendor's documentation), and the common
# single-user names of other servers (mod_auth_openidc, Apache's REMOTE_USER).
VENDOR_HEADERS = (
    (
        "oauth2-proxy (--pass-user-headers, --set-xauthrequest)",
        (
            "X-Forwarded-User",
            "X-Forwarded-Email",
            "X-Forwarded-Groups",
            "X-Forwarded-Preferred-Username",
            "X-Forwarded-Access-Token",
            "X-Auth-Request-User",
            "X-Auth-Request-Email",
            "X-Auth-Request-Groups",
            "X-Auth-Request-Preferred-Username",
            "X-Auth-Request-Access-Token",
        ),
    ),
    ("Cloudflare Access", ("Cf-Access-Authenticated-User-Email", "Cf-Access-Jwt-Assertion")),
    (
        "Google IAP",
        ("X-Goog-Authenticated-User-Email", "X-Goog-Authenticated-User-Id", "X-Goog-IAP-JWT-Assertion"),
    ),
    (
        # X-Pomerium-Claim-<claim> is open-ended: nginx cannot blank a prefix, so the
        # usual claims are listed; perpdesk reads only the names in its settings.
        "Pomerium",
        (
            "X-Pomerium-Jwt-Assertion",
            "X-Pomerium-Jwt-Assertion-For",
            "X-Pomerium-Claim-Email",
            "X-Pomerium-Claim-User",
            "X-Pomerium-Claim-Sub",
            "X-Pomerium-Claim-Name",
            "X-Pomerium-Claim-Groups",
        ),
    ),
    ("Other servers", ("Remote-User", "X-Remote-User", "X-User", "X-Email")),
)

EDGE = "edge"
AUTH_REQUEST = "auth-request"
IN_FRONT = "in-front"
PLACEMENTS = {
    EDGE: "nginx faces the clients; an authenticating proxy, if any, sits between nginx and perpdesk",
    AUTH_REQUEST: "nginx asks the authenticating proxy about each request (auth_request, e.g. oauth2-proxy)",
    IN_FRONT: "the authenticating proxy sits in front of nginx (IAP, Cloudflare Access, Pomerium)",
}
BEGIN = "# BEGIN identity headers: manage.py nginx_identity_headers"
END = "# END identity headers"
INDENT = " " * 8


class IdentityHeadersProblem(Exception):
    pass


@dataclass(frozen=True)
class AuthAnswer:
    """Where the auth_request answer carries the identity (oauth2-proxy's names by default)."""

    path: str = "/oauth2/auth"
    user_header: str = "X-Auth-Request-Email"
    groups_header: str = "X-Auth-Request-Groups"
    jwt_header: str = ""  # default: the PROXY_JWT_HEADER name itself


def headers_perpdesk_reads():
    """{setting: header name} of what perpdesk would believe from a trusted proxy."""
    if settings.PROXY_JWT_HEADER:
        names = {"PROXY_JWT_HEADER": settings.PROXY_JWT_HEADER}
    else:
        names = {"PROXY_USER_HEADER": settings.PROXY_USER_HEADER, "PROXY_GROUPS_HEADER": settings.PROXY_GROUPS_HEADER}
    return {setting: name for setting, name in names.items() if name}


def _configured_names():
    return [
        name
        for name in (settings.PROXY_USER_HEADER, settings.PROXY_GROUPS_HEADER, settings.PROXY_JWT_HEADER)
        if name
    ]


def _groups_to_blank(kept):
    """(label, names) groups, each name once whatever its case, without the kept ones."""
    seen = {name.lower() for name in kept}
    groups = []
    for label, names in (("perpdesk's settings (PROXY_*_HEADER)", _configured_names()), *VENDOR_HEADERS):
        fresh = [name for name in names if name.lower() not in seen]
        seen.update(name.lower() for name in fresh)
        if fresh:
            groups.append((label, fresh))
    return groups


def _blank_lines(kept=()):
    lines = []
    for label, names in _groups_to_blank(kept):
        lines.append(f"# {label}")
        lines.extend(f'proxy_set_header {name} "";' for name in names)
    return lines


def _variable(header):
    return header.lower().replace("-", "_")


def _auth_request_lines(answer):
    reads = headers_perpdesk_reads()
    sources = {
        "PROXY_USER_HEADER": answer.user_header,
        "PROXY_GROUPS_HEADER": answer.groups_header,
        "PROXY_JWT_HEADER": answer.jwt_header or settings.PROXY_JWT_HEADER,
    }
    lines = [
        "# What perpdesk reads is what the authenticating proxy answered nginx, never the client's.",
        f"auth_request {answer.path};",
    ]
    for setting, header in reads.items():
        variable = f"$perpdesk_{_variable(setting)}"
        lines.append(f"auth_request_set {variable} $upstream_http_{_variable(sources[setting])};")
        lines.append(f"proxy_set_header {header} {variable};")
    return lines + _blank_lines(kept=reads.values())


def _in_front_lines():
    if not settings.PROXY_JWT_HEADER:
        raise IdentityHeadersProblem(
            "--where in-front needs PROXY_JWT_HEADER: behind a proxy in front of nginx, a plain "
            "header cannot be told from one a client sent straight to nginx."
        )
    header = settings.PROXY_JWT_HEADER
    lines = [
        f"# {header} passes from the proxy in front; perpdesk verifies its signature (PROXY_JWKS_URL).",
        "# Let only that proxy reach this server (allow its addresses; deny all).",
    ]
    return lines + _blank_lines(kept=[header])


def _check_names(answer):
    for name in (*_configured_names(), answer.user_header, answer.groups_header, answer.jwt_header):
        if name and not HEADER_NAME.fullmatch(name):
            raise IdentityHeadersProblem(f"{name!r} is not a header name of letters, digits and hyphens.")
    if not answer.path.startswith("/") or any(char.isspace() or char in ';{}"\'' for char in answer.path):
        raise IdentityHeadersProblem(f"{answer.path!r} is not a plain location path.")


def identity_header_lines(where=EDGE, answer=AuthAnswer()):
    """The lines for nginx's `location /` block, BEGIN and END markers included."""
    _check_names(answer)
    if where == EDGE:
        body = ["# Only an authenticating proxy may say who someone is, never the client."] + _blank_lines()
    elif where == AUTH_REQUEST:
        body = _auth_request_lines(answer)
    elif where == IN_FRONT:
        body = _in_front_lines()
    else:
        raise IdentityHeadersProblem(f"--where must be one of {', '.join(PLACEMENTS)}")
    return [f"{BEGIN} --where {where}", *body, END]


def indented(lines):
    return "\n".join(f"{INDENT}{line}" for line in lines) + "\n"
