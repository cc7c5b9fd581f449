"""PERP's eleven read endpoints, each declared once (PERP_API.md).

An `Endpoint` says everything perpdesk knows about one: its name (in cache keys,
metrics and logs), its path as PERP documents it (the path parameters are its
`{placeholders}`), its query parameters with their defaults, the parser of its `data`,
and the setting that says how long its answer stays fresh. The client
(`PERPClient.get`) and the reading layer (`lookup.reading.reader.Read`) both work from it.
"""

import string
from dataclasses import dataclass, field
from typing import Any, Callable

from lookup.perp import models

REQUIRED = object()  # a query parameter's "default" when the caller must give it
# Not one path segment whatever the encoding: requests, proxies, servers and browsers
# resolve "." and ".." (even as %2E), and "" names the collection.
NOT_ONE_SEGMENT = frozenset({"", ".", ".."})


def is_one_segment(identifier):
    """Can this id be one segment of a path: of PERP's API (the client sends no call for
    one that cannot) or of a perpdesk page (its links show it as text)? Anything else is
    percent-encoded into one."""
    return str(identifier) not in NOT_ONE_SEGMENT


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str  # e.g. /api/customers/{customer_id}
    parse: Callable[[dict], Any]  # PERP's `data` object -> a lookup.perp.models value
    query: tuple[tuple[str, Any], ...] = ()  # (name, default or REQUIRED), in PERP's order
    freshness_setting: str = "PERP_FRESH_SECONDS"

    # Derived from the above once, when declared (read on every call).
    path_params: tuple[str, ...] = field(init=False, compare=False, repr=False)
    _defaults: dict = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        path_params = tuple(name for _, name, _, _ in string.Formatter().parse(self.path) if name)
        object.__setattr__(self, "path_params", path_params)
        object.__setattr__(self, "_defaults", {**dict.fromkeys(path_params, REQUIRED), **dict(self.query)})

    def params(self, **given):
        """Every parameter by name, defaults filled in: one set however they were passed.
        TypeError for a parameter the endpoint does not have, or one left out."""
        params = {**self._defaults, **given}
        if len(params) != len(self._defaults):
            unknown = sorted(given.keys() - self._defaults.keys())
            raise TypeError(f"{self.name} has no parameter {', '.join(unknown)}")
        if REQUIRED in params.values():
            missing = [name for name, value in params.items() if value is REQUIRED]
            raise TypeError(f"{self.name} needs {', '.join(missing)}")
        return params


_PAGE = (("limit", 10), ("offset", 0))

# --- Customers ------------------------------------------------------------------------
CUSTOMER_SEARCH = Endpoint(
    "customer_search", "/api/customers/search", models.Customer.from_json, query=(("email", REQUIRED),)
)
CUSTOMER = Endpoint("customer", "/api/customers/{customer_id}", models.Customer.from_json)
VIP_WALLET = Endpoint("vip_wallet", "/api/customers/{customer_id}/vip-wallet", models.VIPWallet.from_json)
CUSTOMER_ORDERS = Endpoint(
    "customer_orders", "/api/customers/{customer_id}/orders",
    models.Page.reader("orders", models.Order.from_json), query=_PAGE,
)
CUSTOMER_INVOICES = Endpoint(
    "customer_invoices", "/api/customers/{customer_id}/invoices",
    models.Page.reader("invoices", models.Invoice.from_json), query=_PAGE,
)

# --- Orders ---------------------------------------------------------------------------
ORDER = Endpoint("order", "/api/orders/{order_id}", models.Order.from_json)
ORDER_SEARCH = Endpoint(
    "order_search", "/api/orders/search", models.Order.from_json, query=(("order_number", REQUIRED),)
)
PRODUCTION_STATUS = Endpoint(
    "production_status", "/api/orders/{order_id}/production", models.ProductionStatus.from_json,
    freshness_setting="PERP_FRESH_PRODUCTION_SECONDS",
)
ARTWORK = Endpoint(
    "artwork", "/api/orders/{order_id}/artwork", models.Artwork.from_json,
    freshness_setting="PERP_FRESH_ARTWORK_SECONDS",
)

# --- Invoices -------------------------------------------------------------------------
INVOICE = Endpoint("invoice", "/api/invoices/{invoice_id}", models.Invoice.from_json)
INVOICE_SEARCH = Endpoint(
    "invoice_search", "/api/invoices/search", models.Invoice.from_json, query=(("invoice_number", REQUIRED),)
)

ALL = (
    CUSTOMER_SEARCH, CUSTOMER, VIP_WALLET, CUSTOMER_ORDERS, CUSTOMER_INVOICES,
    ORDER, ORDER_SEARCH, PRODUCTION_STATUS, ARTWORK,
    INVOICE, INVOICE_SEARCH,
)
