"""Settings for the test suite: the real settings module, fed test values.

PERP is mocked by `responses` at PERP_API_URL in unit tests; integration tests
point the client at an in-process sandbox instead.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-that-is-long-enough-for-django-checks")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("PERP_API_URL", "http://perp.test/api")
os.environ.setdefault("PERP_API_KEY", "test-perp-key-never-shown")
os.environ.setdefault("PERP_BACKOFF_BASE", "0")
os.environ.setdefault("PERP_RETRY_AFTER_CAP", "0.05")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# The test client speaks plain http, and nothing ran collectstatic: the deploy tests
# (tests/test_deploy_*.py) run the production values in real gunicorn processes.
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("STATIC_MANIFEST", "false")

from perpdesk.settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
# No collectstatic in the suite: whitenoise looks files up per request instead of
# warning at start-up that STATIC_ROOT does not exist.
WHITENOISE_AUTOREFRESH = True
