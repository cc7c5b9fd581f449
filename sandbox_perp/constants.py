"""Fixed facts about the seeded dataset that tests and benchmarks rely on."""

from datetime import datetime, timezone

SEED = 20261101
# Every date in the dataset is computed from this instant, so output is byte-stable.
ANCHOR = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
DEFAULT_KEY = "sandbox-key"

PAGING_CUSTOMER_ID = "CUST-1001"  # VIP platinum, 42 orders and 42 invoices
BENCH_CUSTOMER_ID = "CUST-1002"  # exactly 10 active orders (plus 3 delivered)
EMPTY_CUSTOMER_ID = "CUST-1003"  # no orders, no invoices, vip-wallet answers 404
NO_INVOICES_CUSTOMER_ID = "CUST-1004"  # has orders but no invoices
SHOWCASE_CUSTOMER_ID = "CUST-1005"  # one order per status; every artwork/invoice status
HOSTILE_CUSTOMER_ID = "CUST-1666"  # HTML/script in strings, javascript:/data: URLs
# 40 active orders (plus 2 delivered), no invoices; added after everyone else, from a
# generator of its own, so no other customer's data changed when it came.
BUSY_CUSTOMER_ID = "CUST-1777"
BUSY_ACTIVE_ORDERS = 40

RANDOM_CUSTOMER_COUNT = 50
FIRST_CUSTOMER_NUMBER = 1001
FIRST_ORDER_NUMBER = 50001
FIRST_PO_NUMBER = 10001
FIRST_INVOICE_NUMBER = 70001
FIRST_LINE_ITEM_NUMBER = 900001
