"""The PERP endpoints: each turns (dataset, path params, query) into envelope data."""

MAX_LIMIT = 100
DEFAULT_LIMIT = 10


class ApiError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _customer_missing(cid):
    return ApiError(404, "CUSTOMER_NOT_FOUND", f"Customer {cid} not found")


def _order_missing(oid):
    return ApiError(404, "ORDER_NOT_FOUND", f"Order {oid} not found")


def _invoice_missing(iid):
    return ApiError(404, "INVOICE_NOT_FOUND", f"Invoice {iid} not found")


def _required(query, name):
    value = query.get(name, "").strip()
    if not value:
        raise ApiError(400, "VALIDATION_ERROR", f"Query parameter '{name}' is required")
    return value


def _integer(query, name, default, minimum):
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "VALIDATION_ERROR", f"'{name}' must be an integer") from None
    if value < minimum:
        raise ApiError(400, "VALIDATION_ERROR", f"'{name}' must be >= {minimum}")
    return value


def _page(query, items, key):
    limit = min(_integer(query, "limit", DEFAULT_LIMIT, 1), MAX_LIMIT)
    offset = _integer(query, "offset", 0, 0)
    return {
        key: items[offset:offset + limit],
        "pagination": {"total": len(items), "limit": limit, "offset": offset,
                       "has_more": offset + limit < len(items)},
    }


def _customer(data, cid):
    if cid not in data.customers:
        raise _customer_missing(cid)
    return data.customers[cid]


def search_customer(data, params, query):
    email = _required(query, "email")
    cid = data.customer_ids_by_email.get(email.lower())
    if cid is None:
        raise ApiError(404, "CUSTOMER_NOT_FOUND", "No customer with that email")
    return data.customers[cid]


def get_customer(data, params, query):
    return _customer(data, params["id"])


def get_wallet(data, params, query):
    cid = params["id"]
    _customer(data, cid)
    if cid not in data.wallets:
        raise ApiError(404, "CUSTOMER_NOT_FOUND", f"Customer {cid} has no VIP wallet")
    return data.wallets[cid]


def customer_orders(data, params, query):
    _customer(data, params["id"])
    return _page(query, data.orders_by_customer[params["id"]], "orders")


def customer_invoices(data, params, query):
    _customer(data, params["id"])
    return _page(query, data.invoices_by_customer[params["id"]], "invoices")


def search_order(data, params, query):
    number = _required(query, "order_number")
    oid = data.order_ids_by_number.get(number)
    if oid is None:
        raise _order_missing(number)
    return data.orders[oid]


def _by_order(index, params):
    oid = params["id"]
    if oid not in index:
        raise _order_missing(oid)
    return index[oid]


def get_order(data, params, query):
    return _by_order(data.orders, params)


def get_production(data, params, query):
    return _by_order(data.production, params)


def get_artwork(data, params, query):
    return _by_order(data.artwork, params)


def search_invoice(data, params, query):
    number = _required(query, "invoice_number")
    iid = data.invoice_ids_by_number.get(number)
    if iid is None:
        raise _invoice_missing(number)
    return data.invoices[iid]


def get_invoice(data, params, query):
    iid = params["id"]
    if iid not in data.invoices:
        raise _invoice_missing(iid)
    return data.invoices[iid]


# Order matters: literal "search" segments must be tried before "{id}".
ROUTES = {
    "/api/customers/search": search_customer,
    "/api/customers/{id}": get_customer,
    "/api/customers/{id}/vip-wallet": get_wallet,
    "/api/customers/{id}/orders": customer_orders,
    "/api/customers/{id}/invoices": customer_invoices,
    "/api/orders/search": search_order,
    "/api/orders/{id}": get_order,
    "/api/orders/{id}/production": get_production,
    "/api/orders/{id}/artwork": get_artwork,
    "/api/invoices/search": search_invoice,
    "/api/invoices/{id}": get_invoice,
}
ENDPOINTS = tuple(ROUTES)
