"""The hostile customer: every string carries markup and every URL is unsafe.

UI tests use it to prove that PERP text is escaped and that only http(s) URLs
become links or images.
"""

from datetime import timedelta

from .constants import ANCHOR, HOSTILE_CUSTOMER_ID
from .customers import CustomerPlan, OrderSpec

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
BAD_URLS = ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "//evil.example/x.png"]


def hostile_plan():
    return CustomerPlan(
        number=int(HOSTILE_CUSTOMER_ID.split("-")[1]),
        name=f"Mallory {SCRIPT}",
        email="mallory@hostile.example",
        phone=f"+1-555-0166 {IMG}",
        company_name=IMG,
        billing_address={"address1": f"1 {SCRIPT} Way", "address2": IMG, "city": "<b>Evilton</b>",
                         "state": "'; DROP TABLE--", "zip": "666<i>", "country": "US"},
        vip_tier="gold",
        created_at=ANCHOR - timedelta(days=500),
        sales_rep="<iframe src=javascript:alert(1)></iframe>",
        orders=[
            OrderSpec("pending", 1, "draft", ["pending", "revision_requested", "rejected"]),
            OrderSpec("in_production", 4, "sent", ["approved", "approved"]),
            OrderSpec("delivered", 40, "overdue", ["approved"]),
        ],
    )


def poison_lines(orders):
    """Give the hostile customer's line items markup product names (before payloads are built)."""
    names = [f"Banner {SCRIPT}", f"Stickers {IMG}", "Flyers <b>&amp;</b> &lt;posters&gt;"]
    lines = [line for order in orders for line in order.lines]
    for n, line in enumerate(lines):
        line.product_name = names[n % len(names)]


def poison_order(order):
    order["status_display"] = f"<b>{order['status_display']}</b>"
    order["internal_ref"] = f"</script>{SCRIPT}"


def poison_production(production):
    production["notes"] = f"Hold: {SCRIPT}"
    production["stages"][0]["stage_display"] = f"Prepress {IMG}"


def poison_artwork(artwork):
    for n, item in enumerate(artwork["artwork_items"]):
        item["notes"] = f"Reviewer says {SCRIPT}"
        for k, info in enumerate(item["files"].values()):
            info["url"] = BAD_URLS[(n + k) % len(BAD_URLS)]
            info["filename"] = f"{IMG}.png"
        item["proof_sheet"] = {"url": BAD_URLS[n % len(BAD_URLS)], "filename": f"{SCRIPT}.pdf",
                               "file_size": 1, "generated_date": item["submitted_date"],
                               "includes_mockup": True}


def poison_invoice(invoice, n):
    invoice["pdf_url"] = BAD_URLS[n % len(BAD_URLS)]
    for line in invoice["line_items"]:
        line["description"] = f"{line['description']} {IMG}"


def poison_wallet(wallet):
    for transaction in wallet["transactions"]:
        transaction["description"] = f"{transaction['description']} {SCRIPT}"
