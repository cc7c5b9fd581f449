"""Dialects: how the sandbox writes its answers and reads the ids it is asked for.

"standard" speaks PERP_API.md as the dataset holds it. "erp" speaks like an older ERP
behind the same API: amounts with thousands separators ("1,042.50"), percentages as
"40%", datetimes with a space and no zone ("2026-11-01 09:15:00"), file sizes as text
("2.4 KB"), counts as strings or floats, yes/no as "Y"/"N", extra fields of its own in
every record, and identifier formats of its own: customer ids are bare digits ("1001"),
order numbers "SO10001", invoice numbers "INV-040-001" (sequence, then year since
2025). Ids it is asked for are read back in the same formats; any other spelling is not
found.

Choose one with `--dialect erp` or the control endpoint (POST /_sandbox/faults
{"dialect": "erp"}).
"""

import re
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

STANDARD = "standard"
ERP = "erp"
DIALECTS = (STANDARD, ERP)

# perpdesk's SEARCH_PATTERNS and SEARCH_EXAMPLES for each dialect's identifier formats:
# what the demo and the benchmark configure, as an operator would for a real PERP.
SEARCH_SETTINGS = {
    STANDARD: {
        "SEARCH_PATTERNS": (
            r"customer_id=^CUST-\d+$;order_id=^ORD-\d+$;order_number=^PO-\d+$;"
            r"invoice_id=^INV-\d+$;invoice_number=^\d{4}-\d{4}$"
        ),
        "SEARCH_EXAMPLES": (
            "customer_id=CUST-1001;order_id=ORD-50001;order_number=PO-10001;"
            "invoice_id=INV-70001;invoice_number=2026-0001"
        ),
    },
    ERP: {
        "SEARCH_PATTERNS": r"order_number=^SO\d+$;invoice_number=^INV-\d{3,}-\d{3}$",
        "SEARCH_EXAMPLES": "customer_id=1001;order_number=SO10001;invoice_number=INV-040-001",
    },
}

MONEY_FIELDS = frozenset({
    "lifetime_value", "balance", "total_amount", "unit_price", "total_price", "amount",
    "amount_paid", "amount_due", "total",
})
DATETIME_FIELDS = frozenset({"date", "estimated_completion"})
COUNT_AS_TEXT = frozenset({"quantity", "dpi", "width", "height"})
COUNT_AS_FLOAT = frozenset({"total_orders"})
FLAG_FIELDS = frozenset({"is_vip", "includes_mockup"})
RECORD_KEYS = frozenset({
    "customer_id", "order_id", "invoice_id", "line_item_id", "artwork_id", "transaction_id",
    "stage_name",
})
ERP_EXTRAS = {"erp_revision": "7", "x_legacy": {"source": "ERP", "flags": [], "sync": None}}
FIRST_YEAR = 2025

_STANDARD_INVOICE_NUMBER = re.compile(r"(\d{4})-(\d+)")
_ERP_INVOICE_NUMBER = re.compile(r"INV-(\d{3,})-(\d{3})")
_ERP_ORDER_NUMBER = re.compile(r"SO(\d+)")
_DIGITS = re.compile(r"\d+")
UNKNOWN = "\x00no-such-record"  # what an id in another dialect's format reads as


def check(dialect):
    if dialect not in DIALECTS:
        raise ValueError(f"dialect must be one of: {', '.join(DIALECTS)}")
    return dialect


# --- Answers: standard -> dialect ------------------------------------------------------


def speak(dialect, data):
    """The endpoint's data as the dialect writes it (the dataset is never changed)."""
    if dialect == STANDARD:
        return data
    return _erp_value(None, data)


def _erp_value(key, value):
    if isinstance(value, dict):
        return _erp_record(value) if key != "pagination" else value
    if isinstance(value, list):
        return [_erp_value(None, item) for item in value]
    return _erp_scalar(key, value)


def _erp_record(record):
    spoken = {key: _erp_value(key, value) for key, value in record.items()}
    if RECORD_KEYS & record.keys():
        spoken.update(ERP_EXTRAS)
    return spoken


def _erp_scalar(key, value):
    if key in FLAG_FIELDS and isinstance(value, bool):
        return "Y" if value else "N"
    if value is None or isinstance(value, bool):
        return value
    if key in MONEY_FIELDS:
        return _grouped_amount(value)
    if key == "completion_percentage":
        return f"{value}%"
    if key == "file_size":
        return _size_text(value)
    if key in COUNT_AS_TEXT:
        return str(value)
    if key in COUNT_AS_FLOAT:
        return float(value)
    if _is_datetime_field(key) and isinstance(value, str) and "T" in value:
        return _space_datetime(value)
    return _erp_identifier(key, value)


def _grouped_amount(value):
    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):  # the hostile customer's junk stays junk
        return value


def _is_datetime_field(key):
    return key in DATETIME_FIELDS or key.endswith(("_at", "_date"))


def _space_datetime(value):
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _size_text(size):
    if not isinstance(size, (int, float)):
        return size
    size = int(size)
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    if size >= 1_000:
        return f"{size / 1_000:.1f} KB"
    return f"{size} bytes"


def _erp_identifier(key, value):
    if key == "customer_id" and isinstance(value, str):
        return value.removeprefix("CUST-")
    if key == "order_number" and isinstance(value, str):
        return "SO" + value.removeprefix("PO-")
    if key == "invoice_number" and isinstance(value, str):
        number = _STANDARD_INVOICE_NUMBER.fullmatch(value)
        if number:
            year, sequence = number.groups()
            return f"INV-{int(sequence):03d}-{int(year) - FIRST_YEAR:03d}"
    return value


# --- Requests: dialect -> standard ------------------------------------------------------


def understand(dialect, template, params, query):
    """(params, query) with the dialect's ids turned back into the dataset's."""
    if dialect == STANDARD:
        return params, query
    params, query = dict(params), dict(query)
    if template and template.startswith("/api/customers/{id}"):
        params["id"] = _standard_customer_id(params["id"])
    if "order_number" in query:
        query["order_number"] = _standard_order_number(query["order_number"])
    if "invoice_number" in query:
        query["invoice_number"] = _standard_invoice_number(query["invoice_number"])
    return params, query


def _standard_customer_id(value):
    return f"CUST-{value}" if _DIGITS.fullmatch(value) else UNKNOWN


def _standard_order_number(value):
    number = _ERP_ORDER_NUMBER.fullmatch(value.strip())
    return f"PO-{number.group(1)}" if number else UNKNOWN


def _standard_invoice_number(value):
    number = _ERP_INVOICE_NUMBER.fullmatch(value.strip())
    if not number:
        return UNKNOWN
    sequence, year = number.groups()
    return f"{FIRST_YEAR + int(year)}-{int(sequence):04d}"
