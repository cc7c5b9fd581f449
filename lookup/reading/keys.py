"""Cache keys for PERP data: namespaced, versioned, and free of PII.

Parameters (emails, order numbers, ids) are hashed with a keyed HMAC, so a key
shows neither them nor anything a dictionary attack on plain hashes could
recover. Keys also carry which PERP they belong to (a digest of PERP_API_URL,
never PERP_API_KEY), so a staging and a production perpdesk sharing one Redis
never mix data or breaker state.
"""

import hashlib
import hmac
import json
from functools import lru_cache

from django.conf import settings

NAMESPACE = "perp"

# Bump whenever a lookup.perp.models class (or the cached envelope) changes shape:
# every key changes with it, so no old pickle is ever read back.
# 3: a read's key may hold a lookup.reading.error_memory.RememberedFailure.
# 4: a kept page is a KeptPage (was lookup.page_snapshots.Snapshot).
# 5: the reading layer, pages and ops moved into packages (pickled class paths changed).
# 6: a kept page's CustomerPage moved to lookup.pages.customer.
SCHEMA_VERSION = 6

_HMAC_SALT = "lookup.reading.keys"


def _digest(*parts):
    payload = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(_hmac_key(settings.SECRET_KEY), payload.encode(), hashlib.sha256).hexdigest()[:32]


@lru_cache(maxsize=8)
def _hmac_key(secret_key):
    # What django.utils.crypto.salted_hmac derives on every call; a page makes dozens of keys.
    return hashlib.sha256((_HMAC_SALT + secret_key).encode()).digest()


def _perp_instance():
    return _instance_digest(settings.PERP_API_URL, settings.SECRET_KEY)


@lru_cache(maxsize=8)
def _instance_digest(perp_api_url, secret_key):
    return _digest(perp_api_url)[:12]


def reading_key(resource, params):
    """Key of one PERP read: `resource` names the endpoint, `params` all its parameters
    by name (lookup.reading.reader.Read fills in the defaults)."""
    try:
        return _remembered_reading_key(
            resource, tuple(params.items()), SCHEMA_VERSION, settings.SECRET_KEY, settings.PERP_API_URL
        )
    except TypeError:  # an unhashable parameter
        return _reading_key(resource, params)


@lru_cache(maxsize=4096)
def _remembered_reading_key(resource, param_items, schema_version, secret_key, perp_api_url):
    # A page makes the same two dozen keys on every view; each is an HMAC.
    return _reading_key(resource, dict(param_items))


def _reading_key(resource, params):
    prefix = f"{NAMESPACE}:v{SCHEMA_VERSION}:{_perp_instance()}"
    return f"{prefix}:{resource}:{_digest(resource, params)}"


def kept_page_key(customer_id, variant, *, day, url_prefix):
    """Key of a customer 360 page kept whole (lookup.pages.kept_pages); `variant`: its page numbers."""
    digest = _digest("kept_page", customer_id, variant, day, url_prefix)
    return f"{NAMESPACE}:kept_page:v{SCHEMA_VERSION}:{_perp_instance()}:{digest}"


def customer_generation_key(customer_id):
    """Key of the token that a Refresh of anything of this customer's replaces."""
    return f"{NAMESPACE}:generation:v{SCHEMA_VERSION}:{_perp_instance()}:{_digest('customer', customer_id)}"


def lock_key(key):
    return f"{key}:lock"


def breaker_key(part):
    return f"{NAMESPACE}:breaker:{_perp_instance()}:{part}"
