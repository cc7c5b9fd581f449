"""Real services the suite talks to. Outside CI a missing one skips its tests with the
reason; with CI=true it fails them, so a green CI run has really exercised it."""

import os
import shutil
import socket

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def in_ci():
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(reason):
    if in_ci():
        pytest.fail(f"required service missing in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def port_open(host, port, timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_redis():
    if not port_open("127.0.0.1", 6379):
        missing("Redis is not running on 127.0.0.1:6379")
    return REDIS_URL


def require_postgres():
    if not port_open("127.0.0.1", 5432):
        missing("PostgreSQL is not running on 127.0.0.1:5432")
    return POSTGRES_URL


def require_program(path_or_name, what):
    found = shutil.which(path_or_name)
    if not found:
        missing(f"{what} ({path_or_name}) is not installed")
    return found
