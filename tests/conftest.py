from datetime import datetime, timezone

import pytest
import responses
from django.contrib.auth.models import Permission, User
from django.core.cache import cache

from tests.support.cache import LOCMEM, FrozenClock, redis_config
from tests.support.perp_payloads import FakePERP, check_every_call_was_registered


def _user_with(username, *codenames):
    user = User.objects.create_user(username, f"{username}@printshop.test", "pw-for-tests")
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture(autouse=True)
def _fresh_state():
    """Every test starts with an empty cache and a client built from its own settings."""
    from lookup.perp.client import client_from_settings

    cache.clear()
    client_from_settings.cache_clear()
    yield
    cache.clear()
    client_from_settings.cache_clear()


@pytest.fixture
def perp():
    """PERP mocked at the HTTP level; every unmatched call fails the test (at teardown, as
    perpdesk itself turns the refused call into "PERP unavailable")."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
        check_every_call_was_registered(mock)


@pytest.fixture
def fake(perp):
    """A fake PERP answering GETs from a table of paths (tests/support/perp_payloads.py)."""
    return FakePERP(perp)


# --- Cache backends and the reading layer's clock ------------------------------------
@pytest.fixture(params=["locmem", pytest.param("redis", marks=pytest.mark.redis)])
def cache_backend(request, settings):
    """The test runs once on local memory and once on the real Redis (db 15).

    Set through pytest-django's `settings`, like any other setting a test changes: one
    stack of overrides, undone in reverse, so a test that also sets something else
    cannot leave these caches to the next test."""
    settings.CACHES = {"default": LOCMEM if request.param == "locmem" else redis_config()}
    cache.clear()  # on Redis: FLUSHDB of db 15 only
    yield request.param
    cache.clear()


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {"default": redis_config()}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fresh_warning_limit(monkeypatch):
    """Each test sees its own first "cache unavailable" warning."""
    from lookup.reading import store

    monkeypatch.setattr(store, "_warnings", store._WarningLimiter(60.0))


@pytest.fixture
def frozen_clock(monkeypatch):
    """The reading layer's time, moved by the test (`advance`) instead of sleeping."""
    clock = FrozenClock(datetime(2026, 11, 24, 14, 2, tzinfo=timezone.utc))
    monkeypatch.setattr("lookup.clock.now", clock.now)
    return clock


@pytest.fixture
def alice(db):
    """Support agent: can look up customers."""
    return _user_with("alice", "lookup_customers")


@pytest.fixture
def bob(db):
    """Signed in, but without any perpdesk permission."""
    return _user_with("bob")


@pytest.fixture
def carol(db):
    """Auditor: can look up customers and read the audit log."""
    return _user_with("carol", "lookup_customers", "view_audit_log")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def pytest_collection_modifyitems(config, items):
    """Tests marked hypothesis_long run only when asked for (-m hypothesis_long): deselected,
    not skipped, so the normal suite has no skips to explain."""
    if "hypothesis_long" in (config.option.markexpr or ""):
        return
    long_runs = [item for item in items if item.get_closest_marker("hypothesis_long")]
    if long_runs:
        config.hook.pytest_deselected(items=long_runs)
        items[:] = [item for item in items if item not in long_runs]
