"""The customer 360 page's content: assembled from PERP's copies, or kept whole.

Assembling reads the page's cached copies (lookup.pages.overview) and renders its head and
body. A page made entirely of fresh copies is kept (lookup.pages.kept_pages) and shown again
until its first copy stops being fresh or someone refreshes anything of that customer's.

Only what the page understands is part of what is kept: the orders' and invoices'
page numbers, as parsed. Any other parameter (a tracking tag pasted with a link, junk)
neither makes a page of its own nor shows up in the kept page's links, and a page past
the last one of its list is shown but not kept: a query string cannot fill the cache.
"""

import copy
from dataclasses import dataclass, replace
from datetime import datetime

from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from lookup.pages import kept_pages, overview

PAGE_PARAMETERS = ("orders_page", "invoices_page")  # the query parameters the page understands


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
    numbers = page_numbers(request.GET)
    variant = numbers.urlencode()
    found = kept_pages.read(customer_id, variant)
    if found.page is not None:
        return replace(found.page, breaker_open=found.breaker_open)
    sections = overview.customer_overview(
        customer_id=customer_id,
        orders_page=int(numbers.get("orders_page", 1)),
        invoices_page=int(numbers.get("invoices_page", 1)),
    )
    page = _assembled(_asking_for(request, numbers), sections)
    if sections.fresh_until and not page.not_found and _within_range(sections):
        kept_pages.store(customer_id, variant, page, until=sections.fresh_until, generation=found.generation)
    return page


def page_numbers(query):
    """The page numbers `query` asks for, as a query of their own; page 1 left out."""
    numbers = QueryDict(mutable=True)
    for name in PAGE_PARAMETERS:
        number = overview.page_number(query.get(name))
        if number != 1:
            numbers[name] = str(number)
    return numbers


def _asking_for(request, numbers):
    """`request` as if it had asked for `numbers` only: the paging links keep no other parameter."""
    canonical = copy.copy(request)
    canonical.GET = numbers
    return canonical


def _within_range(sections):
    """Each list is on page 1 or on a page with something on it."""
    return all(paging.number == 1 or paging.shown for paging in _pagings(sections))


def _pagings(sections):
    for section in (sections.orders, sections.invoices):
        if section.value is not None:
            yield section.value.paging


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
        # The request: paging links keep the page numbers asked for.
        body_html=render_to_string("lookup/customer_body.html", context, request=request),
    )


def _title(sections):
    customer = sections.customer
    if customer and customer.name:
        return customer.name
    return f"Customer {sections.customer_id}"
