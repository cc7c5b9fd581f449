"""The customer 360 page's content: assembled from PERP's copies, or kept whole.

Assembling reads the page's cached copies (lookup.overview) and renders its head and
body (rendered fragments help: lookup.fragments). A page made entirely of fresh copies
is kept (lookup.page_snapshots) and shown again until its first copy stops being fresh
or someone refreshes anything of that customer's.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from lookup import overview, page_snapshots

SNAPSHOT_NAME = "customer_page"  # in cache keys and metrics


@dataclass(frozen=True)
class CustomerPage:
    """What lookup/customer.html shows inside the admin frame."""

    customer_id: str  # as the URL spells it
    title: str
    record_id: str = ""  # as PERP spells it in the customer's record; "" while unknown
    head_html: str = ""
    body_html: str = ""
    fetched_at: datetime | None = None  # the oldest copy's
    is_stale: bool = False
    auth_failed: bool = False
    not_found: bool = False
    breaker_open: bool | None = None  # known when the page was found kept; None: not read yet

    # Rendered by perpdesk's own templates, which escaped PERP's data then.
    @property
    def head(self):
        return mark_safe(self.head_html)

    @property
    def body(self):
        return mark_safe(self.body_html)


def customer_page(request, customer_id):
    variant = request.GET.urlencode()
    found = page_snapshots.read(SNAPSHOT_NAME, customer_id, variant)
    if found.page is not None:
        return replace(found.page, breaker_open=found.breaker_open)
    sections = overview.customer_overview(
        customer_id=customer_id,
        orders_page=overview.page_number(request.GET.get("orders_page")),
        invoices_page=overview.page_number(request.GET.get("invoices_page")),
    )
    page = _assembled(request, sections)
    if sections.fresh_until and not page.not_found:
        page_snapshots.store(
            SNAPSHOT_NAME, customer_id, variant, page, until=sections.fresh_until, generation=found.generation
        )
    return page


def _assembled(request, sections):
    common = {
        "customer_id": sections.customer_id, "title": _title(sections), "fetched_at": sections.fetched_at,
        "record_id": getattr(sections.customer, "customer_id", "") or "",
        "is_stale": sections.is_stale, "auth_failed": sections.auth_failed,
    }
    if sections.not_found:
        return CustomerPage(**common, not_found=True)
    context = {"page": sections}
    return CustomerPage(
        **common,
        head_html=render_to_string("lookup/customer_head.html", context),
        # The request: paging links keep the query string.
        body_html=render_to_string("lookup/customer_body.html", context, request=request),
    )


def _title(sections):
    customer = sections.customer
    if customer and customer.name:
        return customer.name
    return f"Customer {sections.customer_id}"
