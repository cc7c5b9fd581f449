"""Every route in the project, found by walking the URL resolver, refuses anonymous
visitors and signed-in people without perpdesk's permission — except an explicit
list of public routes. A route added later is covered without touching this file.
"""

import re

import pytest
from django.urls import URLResolver, get_resolver, resolve
from django.utils.regex_helper import normalize

# Reachable without signing in: probes, metrics (own token/network check), sign-in.
PUBLIC_ROUTES = {
    "healthz",
    "readyz",
    "metrics",
    "auth:sign_in",
    "auth:oidc_authenticate",
    "auth:oidc_callback",
}
# Any signed-in person, with or without perpdesk's permission, may sign out.
ANY_SIGNED_IN_PERSON = {"auth:sign_out"}
# Auditors only: the audit log.
AUDITOR_ROUTE_PREFIX = "admin:lookup_auditentry_"
SAMPLE_VALUE = "1"


def _patterns(patterns=None, prefix="", namespace=""):
    """(view name or regex, path regex) for every endpoint, includes flattened."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        regex = prefix + pattern.pattern.regex.pattern.lstrip("^").removesuffix(r"\Z").removesuffix("$")
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _patterns(pattern.url_patterns, regex, inner)
        else:
            yield (f"{namespace}{pattern.name}" if pattern.name else regex), regex


def _sample_path(regex):
    """A path the pattern matches: a group that lists its choices (the admin's
    (?P<app_label>auth|lookup)) gets the first, any other group a plain value."""
    choices = {name: body.split("|")[0] for name, body in re.findall(r"\(\?P<(\w+)>([\w|]+)\)", regex)}
    template, params = normalize(regex)[0]
    return "/" + template % {param: choices.get(param, SAMPLE_VALUE) for param in params}


def all_routes():
    """{path: view name} with one sample path per pattern (shadowed ones resolve elsewhere)."""
    routes = {}
    for _, regex in _patterns():
        path = _sample_path(regex)
        routes.setdefault(path, resolve(path).view_name)
    return sorted(routes.items())


ROUTES = all_routes()
PROTECTED = [(path, name) for path, name in ROUTES if name not in PUBLIC_ROUTES]


def _refused(response):
    redirected_to_sign_in = response.status_code == 302 and response["Location"].startswith("/login/")
    return redirected_to_sign_in or response.status_code in (401, 403)


def test_the_walk_finds_perpdesks_pages_and_the_admins():
    names = {name for _, name in ROUTES}

    assert {"admin:search", "admin:customer", "admin:order", "admin:invoice"} <= names
    assert {"admin:lookup_auditentry_changelist", "auth:sign_in", "healthz"} <= names


def test_only_the_listed_routes_are_public():
    public = {name for path, name in ROUTES if not getattr(resolve(path).func, "login_required", True)}

    assert public == PUBLIC_ROUTES


@pytest.mark.parametrize("path, name", PROTECTED, ids=[f"{name} {path}" for path, name in PROTECTED])
def test_anonymous_visitors_are_sent_to_sign_in(client, db, path, name):
    response = client.get(path)

    assert response.status_code == 302, f"{name} answered {response.status_code}"
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize(
    "path, name",
    [(p, n) for p, n in PROTECTED if n not in ANY_SIGNED_IN_PERSON],
    ids=[f"{n} {p}" for p, n in PROTECTED if n not in ANY_SIGNED_IN_PERSON],
)
def test_people_without_perpdesks_permission_are_refused(client, bob, path, name):
    client.force_login(bob)

    assert _refused(client.get(path)), name


@pytest.mark.parametrize(
    "path, name",
    [(p, n) for p, n in PROTECTED if n.startswith(AUDITOR_ROUTE_PREFIX)],
)
def test_support_staff_are_refused_the_audit_log(alice_client, path, name):
    assert _refused(alice_client.get(path)), name


def test_signing_out_is_open_to_anyone_signed_in(client, bob):
    client.force_login(bob)

    response = client.post("/logout/")

    assert response.status_code == 302 and "_auth_user_id" not in client.session
