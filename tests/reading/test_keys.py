"""Cache keys: namespaced, versioned, per PERP, and without PII or the PERP key."""

import pytest
import redis
from django.conf import settings
from django.test import override_settings

from lookup.reading import keys as cache_keys
from lookup.reading.keys import SCHEMA_VERSION, reading_key
from lookup.perp import endpoints
from lookup.reading.reader import Read, perp_reader
from tests.support.cache import PERP, customer_json, envelope, redis_config

EMAIL = "ada.lovelace@example.com"


def test_it_namespaces_and_versions_keys():
    assert reading_key("customer", {"customer_id": "CUST-1"}).startswith(f"perp:v{SCHEMA_VERSION}:")


def test_it_hashes_the_parameters():
    key = reading_key("customer_search", {"email": EMAIL})

    assert "lovelace" not in key.lower()  # letters a hex digest never holds
    assert "example" not in key


def test_it_gives_different_reads_different_keys():
    assert reading_key("customer", {"customer_id": "CUST-1"}) != reading_key(
        "customer", {"customer_id": "CUST-2"})
    assert reading_key("customer", {"customer_id": "CUST-1"}) != reading_key(
        "vip_wallet", {"customer_id": "CUST-1"})


def test_bumping_the_schema_version_changes_every_key(monkeypatch):
    before = reading_key("customer", {"customer_id": "CUST-1"})
    monkeypatch.setattr(cache_keys, "SCHEMA_VERSION", SCHEMA_VERSION + 1)

    assert reading_key("customer", {"customer_id": "CUST-1"}) != before


def test_each_perp_has_its_own_keys():
    production = reading_key("customer", {"customer_id": "CUST-1"})
    with override_settings(PERP_API_URL="https://perp-staging.example.com/api"):
        assert reading_key("customer", {"customer_id": "CUST-1"}) != production


@pytest.mark.redis
def test_no_email_or_perp_key_reaches_redis(perp, redis_cache):
    perp.get(f"{PERP}/customers/search", json=envelope(customer_json()))

    perp_reader().read(Read(endpoints.CUSTOMER_SEARCH, email=EMAIL))

    keys = [key.decode() for key in redis.Redis.from_url(redis_config()["LOCATION"]).keys("*")]
    assert keys
    for key in keys:
        assert "lovelace" not in key.lower()  # letters a hex digest never holds
        assert "example" not in key
        assert settings.PERP_API_KEY not in key
