"""manage.py perp_check: does the configured PERP speak what perpdesk reads?

An operator runs it before going live and after PERP upgrades, with records that exist:

    manage.py perp_check --email someone@example.com --order-number N --invoice-number N

From each given value it reaches every endpoint it can (the email: the customer, their
wallet, orders and invoices; the order number: the order, its production and artwork;
the invoice number: the invoice; a missing number is taken from the customer's first
order or invoice) and prints one line per endpoint: what PERP answered, how long it took,
and every field that was missing, kept as PERP's text, or undocumented. It also says
what the search (SEARCH_PATTERNS) would make of each given number.

It calls PERP through the client, past perpdesk's cache. It prints no PERP data (ids,
names, amounts, PERP's error messages) unless --show-values, and never the key. It exits
with status 1 when a section could not be shown: a call failed, a record that must exist
was not found, or the search would not look a given number up as its kind.
"""

import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lookup.perp import client as perp_client
from lookup.perp import endpoints
from lookup.perp.errors import PERPAPIError, PERPError
from lookup.pages.search import Kind, plan_search, search_patterns

MAX_VALUES_SHOWN = 3  # per unreadable field, with --show-values


@dataclass
class Probe:
    """One endpoint's line of the report."""

    endpoint: endpoints.Endpoint
    outcome: str = "skipped"  # ok, not found, skipped, or the error's kind (bad response...)
    detail: str = ""  # why skipped, or what failed (never PERP's data)
    duration_ms: int | None = None
    fields: object = None  # the answer's FieldReport
    failed: bool = False
    values: list = field(default_factory=list)  # (label, value) shown only with --show-values


class Prober:
    """Calls PERP's endpoints through the client, keeping what each call did."""

    def __init__(self, client):
        self.client = client
        self.probes = {}
        self._records = []
        self._thread = threading.get_ident()

    def __enter__(self):
        perp_client.CALL_OBSERVERS.append(self._observe)
        return self

    def __exit__(self, *exc_info):
        perp_client.CALL_OBSERVERS.remove(self._observe)

    def _observe(self, record):
        if threading.get_ident() == self._thread:  # this command's calls, not another thread's
            self._records.append(record)

    def call(self, endpoint, *, must_exist=False, **params):
        """The endpoint's value (None: not found or failed), its line recorded."""
        probe = self.probes[endpoint] = Probe(endpoint)
        started, seen = time.monotonic(), len(self._records)
        try:
            value = self.client.get(endpoint, **params)
        except PERPError as error:
            probe.outcome = perp_client.OUTCOMES[type(error)].replace("_", " ")
            probe.detail, probe.failed = _error_detail(error), True
            probe.values = [("PERP's message", error.message)] if isinstance(error, PERPAPIError) else []
            value = None
        else:
            probe.outcome = "ok" if value is not None else "not found"
            probe.failed = value is None and must_exist
            probe.fields = getattr(value, "fields", None)
            probe.values = _unreadable_values(value, probe.fields)
        record = self._records[-1] if len(self._records) > seen else None
        probe.duration_ms = record.duration_ms if record else round((time.monotonic() - started) * 1000)
        return value

    def skip(self, endpoint, why):
        self.probes.setdefault(endpoint, Probe(endpoint, detail=why))


def _error_detail(error):
    """What failed, without PERP's own words (they may hold its data)."""
    if isinstance(error, PERPAPIError):
        return f"code {error.code}"
    return error.detail


# --- Which endpoints the given values reach ---------------------------------------------


def probe_all(prober, *, email, order_number, invoice_number, page_size):
    """Every endpoint reachable from the given values, in PERP_API.md's order."""
    given_order, given_invoice = bool(order_number), bool(invoice_number)
    customer = prober.call(endpoints.CUSTOMER_SEARCH, email=email, must_exist=True) if email else None
    if not email:
        prober.skip(endpoints.CUSTOMER_SEARCH, "give --email")
    orders = invoices = None
    if customer is not None:
        customer_id = customer.customer_id
        prober.call(endpoints.CUSTOMER, customer_id=customer_id, must_exist=True)
        prober.call(endpoints.VIP_WALLET, customer_id=customer_id)
        orders = prober.call(endpoints.CUSTOMER_ORDERS, customer_id=customer_id, limit=page_size, offset=0)
        invoices = prober.call(endpoints.CUSTOMER_INVOICES, customer_id=customer_id, limit=page_size, offset=0)
    for endpoint in (endpoints.CUSTOMER, endpoints.VIP_WALLET, endpoints.CUSTOMER_ORDERS, endpoints.CUSTOMER_INVOICES):
        prober.skip(endpoint, "needs the customer: give an --email that PERP finds")
    order_number = order_number or _first(orders, "order_number")
    invoice_number = invoice_number or _first(invoices, "invoice_number")
    _probe_order(prober, order_number, must_exist=given_order or bool(order_number))
    _probe_invoice(prober, invoice_number, must_exist=given_invoice or bool(invoice_number))
    return {"order number": (order_number, given_order), "invoice number": (invoice_number, given_invoice)}


def _probe_order(prober, order_number, *, must_exist):
    order = (
        prober.call(endpoints.ORDER_SEARCH, order_number=order_number, must_exist=must_exist)
        if order_number else None
    )
    if not order_number:
        prober.skip(endpoints.ORDER_SEARCH, "give --order-number (or an --email of a customer with orders)")
    if order is not None:
        prober.call(endpoints.ORDER, order_id=order.order_id, must_exist=True)
        prober.call(endpoints.PRODUCTION_STATUS, order_id=order.order_id)
        prober.call(endpoints.ARTWORK, order_id=order.order_id)
    for endpoint in (endpoints.ORDER, endpoints.PRODUCTION_STATUS, endpoints.ARTWORK):
        prober.skip(endpoint, "needs an order: give an --order-number that PERP finds")


def _probe_invoice(prober, invoice_number, *, must_exist):
    invoice = (
        prober.call(endpoints.INVOICE_SEARCH, invoice_number=invoice_number, must_exist=must_exist)
        if invoice_number else None
    )
    if not invoice_number:
        prober.skip(endpoints.INVOICE_SEARCH, "give --invoice-number (or an --email of a customer with invoices)")
    if invoice is not None:
        prober.call(endpoints.INVOICE, invoice_id=invoice.invoice_id, must_exist=True)
    prober.skip(endpoints.INVOICE, "needs an invoice: give an --invoice-number that PERP finds")


def _first(page, attribute):
    items = getattr(page, "items", None) or []
    for item in items:
        value = getattr(item, attribute, None)
        if isinstance(value, str) and value:
            return value
    return None


# --- What the search makes of each number ------------------------------------------------

KIND_OF_NUMBER = {"order number": Kind.ORDER_NUMBER, "invoice number": Kind.INVOICE_NUMBER}


def search_verdicts(numbers, email, show_values):
    """[(line, ok)]: how the search box would look each value up."""
    verdicts = []
    if email:
        ok = [lookup.kind for lookup in plan_search(email).lookups] == [Kind.EMAIL]
        shown = f" {email}" if show_values else ""
        verdicts.append((f"email{shown}: " + ("searched as an email" if ok else "NOT searched as an email"), ok))
    patterns = search_patterns()
    for label, (number, given) in numbers.items():
        if number is None:
            continue
        plan = plan_search(number)
        kinds = [lookup.kind for lookup in plan.lookups]
        fits = [kind for kind, pattern in patterns.items() if pattern.fullmatch(number)]
        if plan.problem:
            what = f"not searched: {plan.problem}"
        elif fits:
            what = f"fits the SEARCH_PATTERNS of {', '.join(fits)}: tried as {', '.join(kinds)}"
        else:
            what = "fits no SEARCH_PATTERNS pattern: tried as every kind"
        ok = KIND_OF_NUMBER[label] in kinds
        if not ok and not plan.problem:
            what += f"; NOT as an {label}: fix SEARCH_PATTERNS"
        shown = f" {number}" if given else (f" {number} (the customer's first)" if show_values else " (the customer's first)")
        verdicts.append((f"{label}{shown}: {what}", ok))
    return verdicts


# --- The report --------------------------------------------------------------------------


def _unreadable_values(value, report):
    """(path, PERP's text) of the fields kept as text, for --show-values."""
    if value is None or report is None:
        return []
    shown = [("id", _record_id(value))] if _record_id(value) else []
    for path in report.unreadable:
        for text in _values_at(value, path.split("."))[:MAX_VALUES_SHOWN]:
            shown.append((path, text))
    return shown


def _record_id(value):
    for name in ("invoice_id", "order_id", "customer_id"):  # a record's own id comes first
        if getattr(value, name, None):
            return getattr(value, name)
    return None


def _values_at(value, steps):
    if not steps:
        return [str(value)] if value is not None else []
    step, rest = steps[0], steps[1:]
    name, is_list = step.removesuffix("[]"), step.endswith("[]")
    inner = getattr(value, name, None)
    if is_list:
        return [text for item in (inner or []) for text in _values_at(item, rest)]
    return _values_at(inner, rest)


def format_probe(probe, show_values):
    timing = f"{probe.duration_ms:>5} ms" if probe.duration_ms is not None else "    - ms"
    outcome = f"FAIL {probe.outcome}" if probe.failed else probe.outcome
    line = f"{probe.endpoint.path:<40} {outcome:<20} {timing}"
    parts = [probe.detail] if probe.detail else []
    report = probe.fields
    for label, paths in (
        ("missing", getattr(report, "missing", ())),
        ("kept as PERP's text", getattr(report, "unreadable", ())),
        ("extra", getattr(report, "extra", ())),
    ):
        if paths:
            parts.append(f"{label}: {', '.join(paths)}")
    lines = [line + ("  " + "; ".join(parts) if parts else "")]
    if show_values:
        lines += [f"    {label} = {text!r}" for label, text in probe.values]
    return lines


def _perp_host():
    """PERP_API_URL without any user:password in it."""
    parts = urlsplit(settings.PERP_API_URL)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _perp_setting_problems():
    """The start-up checks' problems with what this command uses (PERP_*, SEARCH_*)."""
    from lookup.checks import settings_problems

    return [
        f"{name} {problem}" for name, problem in settings_problems()
        if name.startswith(("PERP_", "SEARCH_"))
    ]


class Command(BaseCommand):
    help = "Check that the configured PERP answers every endpoint in a form perpdesk reads."
    # Sign-in, database and the like need not be ready yet for PERP to be checked; the
    # settings this command relies on are checked in handle().
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--email", help="email of a customer that exists in PERP")
        parser.add_argument("--order-number", help="number of an order that exists in PERP")
        parser.add_argument("--invoice-number", help="number of an invoice that exists in PERP")
        parser.add_argument("--show-values", action="store_true",
                            help="also print PERP's ids and the text of fields it could not read")

    def handle(self, *args, email=None, order_number=None, invoice_number=None, show_values=False, **options):
        if not (email or order_number or invoice_number):
            raise CommandError("give at least one of --email, --order-number, --invoice-number")
        problems = _perp_setting_problems()
        if not settings.PERP_API_KEY:
            problems.append("PERP_API_KEY is not set: perpdesk cannot call PERP without it.")
        if problems:
            raise CommandError("configuration error: " + " ".join(dict.fromkeys(problems)))
        self.stdout.write(f"perp_check: {_perp_host()}, past perpdesk's cache")
        with Prober(perp_client.client_from_settings()) as prober:
            numbers = probe_all(
                prober, email=email, order_number=order_number, invoice_number=invoice_number,
                page_size=settings.LIST_PAGE_SIZE,
            )
        failed = self._report(prober, numbers, email, show_values)
        if failed:
            raise CommandError(f"{failed} problem(s): perpdesk could not show every section", returncode=1)
        self.stdout.write("perp_check: every section perpdesk reached could be shown")

    def _report(self, prober, numbers, email, show_values):
        failed = 0
        for probe in prober.probes.values():  # in the order they were reached
            failed += probe.failed
            for line in format_probe(probe, show_values):
                self.stdout.write(line)
        self.stdout.write("search:")
        for line, ok in search_verdicts(numbers, email, show_values):
            failed += not ok
            self.stdout.write(f"  {line}")
        return failed
