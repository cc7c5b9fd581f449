"""Fixtures for the sign-in tests: signing keys and tokens, a JWKS served on loopback,
the real OpenID provider (tests/oidc_provider), headless Chromium, perpdesk's groups.

The fixtures themselves are in tests/auth/conftest.py and tests/browser/conftest.py.
"""

import importlib
import json
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import Group, Permission

from tests.support.services import require_program


PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc_provider"
CLIENT_ID = "perpdesk"
CLIENT_SECRET = "test-client-secret"
# People the test provider knows (sub -> claims); the groups are what AUTH_GROUP_MAP reads.
PROVIDER_ACCOUNTS = {
    "sam": {"email": "sam@printshop.test", "name": "Sam Support", "groups": ["perp-support"]},
    "ada": {
        "email": "ada@printshop.test",
        "name": "Ada Auditor",
        "groups": ["perp-support", "perp-audit"],
    },
    "olga": {"email": "olga@printshop.test", "name": "Olga Outsider", "groups": ["marketing"]},
}


# --- Keys and tokens ------------------------------------------------------------
@dataclass(frozen=True)
class SigningKey:
    private_key: object
    kid: str

    def public_jwk(self, alg="RS256"):
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "alg": alg, "use": "sig"}

    def sign(self, claims, alg="RS256", kid=None):
        return jwt.encode(claims, self.private_key, algorithm=alg, headers={"kid": kid or self.kid})


def new_signing_key(kid):
    return SigningKey(rsa.generate_private_key(public_exponent=65537, key_size=2048), kid)


def token_claims(*, issuer, audience, subject="sam", lifetime=300, **extra):
    now = int(time.time())
    return {"iss": issuer, "aud": audience, "sub": subject, "iat": now, "exp": now + lifetime, **extra}


# --- A JWKS on loopback ------------------------------------------------------------
class JwksHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps(self.server.jwks).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


# --- perpdesk's groups -----------------------------------------------------------------
def ensure_perpdesk_groups():
    """Support and Auditors as migration 0003 makes them (flushed by transactional tests)."""
    migration = importlib.import_module("lookup.migrations.0003_default_groups")
    for name, codenames in migration.GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(content_type__app_label="lookup", codename__in=codenames)
        group.permissions.set(permissions)


# --- The real OpenID provider ------------------------------------------------------------
@dataclass(frozen=True)
class TestProvider:
    issuer: str

    def set_groups(self, sub, groups):
        """What the provider says `sub` belongs to from now on (renewals read it)."""
        self._control(f"/test/accounts/{sub}", {"groups": groups})

    def disable(self, sub):
        """The person is gone at the provider: their refresh tokens are refused."""
        self._control(f"/test/accounts/{sub}", {"disabled": True})

    def reset(self):
        self._control("/test/reset", {})

    def _control(self, path, change):
        request = urllib.request.Request(
            f"{self.issuer}{path}", data=json.dumps(change).encode(), method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 204

    def settings(self):
        return {
            "AUTH_MODE": "oidc",
            "OIDC_OP_ISSUER": self.issuer,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.issuer}/auth",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.issuer}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.issuer}/me",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.issuer}/jwks",
            "OIDC_OP_END_SESSION_ENDPOINT": f"{self.issuer}/session/end",
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
        }


def install_provider_packages():
    if (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    npm = require_program("npm", "npm (to install the test OpenID provider)")
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=PROVIDER_DIR, check=True, timeout=300,
    )


def client_registration(rp_url):
    return {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [f"{rp_url}/oidc/callback/"],
        "post_logout_redirect_uris": [f"{rp_url}/login/"],
        "token_endpoint_auth_method": "client_secret_post",
        "grant_types": ["authorization_code", "refresh_token"],
        "id_token_signed_response_alg": "RS256",
    }


def wait_for_issuer(process, output_path, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in output_path.read_text().splitlines():
            if line.startswith('{"issuer"'):
                return json.loads(line)["issuer"]
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"the test OpenID provider did not start:\n{output_path.read_text()}")


# --- Headless Chromium ------------------------------------------------------------------


# --- Moving a sign-in's renewal forward --------------------------------------------------
def renewal_due_now():
    """Every sign-in at the provider is due for renewal (as if OIDC_RENEW_SECONDS passed)."""
    from datetime import timedelta

    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from lookup.auth.models import ProviderSignIn
    from lookup.auth.renewal import RENEW_AFTER_KEY

    ProviderSignIn.objects.update(renew_after=timezone.now() - timedelta(seconds=1))
    for row in Session.objects.all():
        session = SessionStore(session_key=row.session_key)
        if RENEW_AFTER_KEY in session:
            session[RENEW_AFTER_KEY] = 0
            session.save()
