"""The sequential baseline: a cold page's PERP calls made one after another, by the same
client perpdesk uses (lookup.perp.client.PERPClient), and timed."""

import time

from lookup.perp.client import PERPClient


def _window(call):
    return {"limit": int(call.query.get("limit", 10)), "offset": int(call.query.get("offset", 0))}


# The client method that makes each sandbox endpoint's call, with the call's parameters.
REPLAY = {
    "/api/customers/{id}": lambda client, call: client.get_customer(call.params["id"]),
    "/api/customers/{id}/vip-wallet": lambda client, call: client.get_vip_wallet(call.params["id"]),
    "/api/customers/{id}/orders": lambda client, call: client.get_customer_orders(call.params["id"], **_window(call)),
    "/api/customers/{id}/invoices": lambda client, call: client.get_customer_invoices(
        call.params["id"], **_window(call)
    ),
    "/api/orders/{id}": lambda client, call: client.get_order(call.params["id"]),
    "/api/orders/{id}/production": lambda client, call: client.get_production_status(call.params["id"]),
    "/api/orders/{id}/artwork": lambda client, call: client.get_artwork(call.params["id"]),
    "/api/invoices/{id}": lambda client, call: client.get_invoice(call.params["id"]),
}


def replay_one_after_another(calls, *, base_url, api_key):
    """Seconds to make `calls` in the order they were made, each waiting for the last."""
    client = PERPClient(base_url=base_url, api_key=api_key)
    ordered = sorted(calls, key=lambda call: call.started)
    REPLAY[ordered[0].template](client, ordered[0])  # opens the connection, untimed
    started = time.perf_counter()
    for call in ordered:
        REPLAY[call.template](client, call)
    return time.perf_counter() - started
