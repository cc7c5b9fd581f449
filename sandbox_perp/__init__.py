"""Sandbox PERP: a fake of the print shop ERP's REST API serving deterministic seeded data.

Run it with `python -m sandbox_perp --port 8765`, or in-process with SandboxServer.
Nothing in the application (`lookup/`) may import this package.
"""

from .api import ENDPOINTS
from .constants import (
    ANCHOR, BENCH_CUSTOMER_ID, BUSY_ACTIVE_ORDERS, BUSY_CUSTOMER_ID, DEFAULT_KEY, EMPTY_CUSTOMER_ID,
    HOSTILE_CUSTOMER_ID, NO_INVOICES_CUSTOMER_ID, PAGING_CUSTOMER_ID, SEED, SHOWCASE_CUSTOMER_ID,
)
from .data import build_dataset, get_dataset
from .server import SandboxServer

__all__ = [
    "ANCHOR", "BENCH_CUSTOMER_ID", "BUSY_ACTIVE_ORDERS", "BUSY_CUSTOMER_ID", "DEFAULT_KEY", "EMPTY_CUSTOMER_ID",
    "ENDPOINTS", "HOSTILE_CUSTOMER_ID",
    "NO_INVOICES_CUSTOMER_ID", "PAGING_CUSTOMER_ID", "SEED", "SHOWCASE_CUSTOMER_ID", "SandboxServer",
    "build_dataset", "get_dataset",
]
