import pytest
import responses
from django.contrib.auth.models import Permission, User
from django.core.cache import cache

PERP = "http://perp.test/api"  # PERP_API_URL in tests/settings.py


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
    """PERP mocked at the HTTP level; every unmatched call fails the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


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
