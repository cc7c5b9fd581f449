"""perpdesk's pages. Thin: read the request, call the page's `read`, render.

Each view is wired into the admin site (lookup.sites) through `admin_view`, which
checks the lookup permission, adds CSRF protection and `never_cache`. What PERP
did is in the page object its module's `read` returns (lookup.pages); its messages
come from lookup.pages.messages. The Refresh button calls that same `read`.
"""

from urllib.parse import unquote, urlsplit

from django.contrib import admin
from django.http import HttpResponseRedirect, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from lookup.pages import customer as customer_page
from lookup.pages import invoice as invoice_page
from lookup.pages import kept_pages
from lookup.pages import order as order_page
from lookup.pages import search as search_page
from lookup.ops.db_pool import hand_back_connection
from lookup.ops.rate_limit import limit_lookups
from lookup.audit import (
    ID_MAX_LENGTH, Action, Outcome, audit_record, audit_required, id_is_storable, recent_lookups,
    storable_text,
)
from lookup.templatetags.perpdesk import page_url


@require_safe
# The empty search page is no lookup.
@limit_lookups(counts=lambda request: search_page.TERM_PARAMETER in request.GET)
def search(request):
    hand_back_connection()
    result = search_page.read(request.GET)
    if result is None:
        context = {
            "title": "Find a customer", "result": None, "recent": _recent(request),
            "examples": search_page.search_examples(),
        }
        return _render(request, "lookup/search.html", context)
    _audit_search(request, result)
    match = result.single_match
    if match and page_url(match.kind, match.id):
        return redirect(page_url(match.kind, match.id))
    return _render(request, "lookup/search.html", {"title": "Search", "result": result})


@require_safe
@limit_lookups()
def customer(request, customer_id):
    if not id_is_storable(customer_id):
        return _unusable_id(request, "customer", customer_id)
    hand_back_connection()
    page = customer_page.read(customer_id, request.GET)
    _audit_page(request, "customer", customer_id, page)
    if page.not_found:
        return _not_found(request, "customer", customer_id)
    context = {"page": page, "title": page.title}
    if page.breaker_open is not None:
        context["perp_breaker_open"] = page.breaker_open  # read with the kept page
    return _render(request, "lookup/customer.html", context)


@require_safe
@limit_lookups()
def order(request, order_id):
    if not id_is_storable(order_id):
        return _unusable_id(request, "order", order_id)
    hand_back_connection()
    page = order_page.read(order_id, request.GET)
    return _record_page(request, "order", order_id, page, page.order, "order_number")


@require_safe
@limit_lookups()
def invoice(request, invoice_id):
    if not id_is_storable(invoice_id):
        return _unusable_id(request, "invoice", invoice_id)
    hand_back_connection()
    page = invoice_page.read(invoice_id, request.GET)
    return _record_page(request, "invoice", invoice_id, page, page.invoice, "invoice_number")


def _record_page(request, kind, identifier, page, record, number_field):
    """An order or invoice page: audited, "not found" when PERP has no such record,
    titled with the record's number (its id while PERP gives none)."""
    _audit_page(request, kind, identifier, page)
    if page.not_found:
        return _not_found(request, kind, identifier)
    number = getattr(record.value, number_field) if record.value else None
    title = f"{kind.capitalize()} {number or identifier}"
    return _render(request, f"lookup/{kind}.html", {"page": page, "title": title})


@require_POST
@limit_lookups()
def refresh(request):
    """The Refresh button: read the page again past any cached copy, then show it (303)."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("admin:search")
    _read_again(request, target)
    return HttpResponseRedirect(target, status=303)


# --- helpers ---------------------------------------------------------------------------

# The page Refresh reads again, by its view name: its module's `read`, which the view calls.
PAGE_READS = {
    "admin:customer": customer_page.read,
    "admin:order": order_page.read,
    "admin:invoice": invoice_page.read,
    "admin:search": search_page.read,
}


def _read_again(request, target):
    parts = urlsplit(target)
    try:
        match = resolve(unquote(parts.path))  # as Django resolves the page's own request
    except Resolver404:
        return
    read = PAGE_READS.get(match.view_name)
    if read is None or not all(map(id_is_storable, match.kwargs.values())):
        return  # the page itself says why it cannot look that id up
    hand_back_connection()
    page = read(**match.kwargs, query=QueryDict(parts.query), refresh=True)
    if page is None:  # the search page without a search: nothing was read
        return
    for customer_id in page.customer_ids:
        kept_pages.forget(customer_id)  # their kept pages show the new copies
    if match.view_name == "admin:search":
        _audit_search(request, page, action=Action.REFRESH)
    else:
        [asked_as] = match.kwargs.values()
        _audit_page(request, match.view_name.removeprefix("admin:"), asked_as, page, action=Action.REFRESH)


# --- the audit trail: kinds and ids shown, never PERP's data nor an email in clear ---
# A row that says what a page showed is written before the page is sent: audit_required
# raises when it cannot be, and the page is not shown.


def _audit_search(request, result, *, action=Action.SEARCH):
    if result.problem or result.failures:
        outcome = Outcome.ERROR
    else:
        outcome = Outcome.OK if result.matches else Outcome.NOT_FOUND
    ids = [f"{match.kind}:{match.id}" for match in result.matches]
    audit_required(
        request=request, action=action, kind="search", search_term=result.text,
        object_ids=ids, outcome=outcome,
    )


def _audit_page(request, kind, asked_as, page, *, action=Action.VIEW):
    """The row of a customer, order or invoice page. A customer is recorded under PERP's
    spelling of their id once PERP answered, the id as asked in its note; an order or
    invoice under the id asked for, with its customer."""
    if kind == "customer":
        object_id = customer_id = page.record_id or asked_as
    else:
        object_id, customer_id = asked_as, page.customer_id
    outcome = Outcome.NOT_FOUND if page.not_found else Outcome.OK
    note = f"asked for as {asked_as}" if asked_as != object_id else ""
    audit_required(
        request=request, action=action, kind=kind, object_ids=[object_id],
        customer_id=customer_id or "", outcome=outcome, note=note,
    )


def _unusable_id(request, kind, identifier):
    """400 for an id no audit row could hold as it is: refused before PERP is asked."""
    shown = storable_text(identifier, 80)
    audit_record(
        request=request, action=Action.VIEW, kind=kind, object_ids=[storable_text(identifier, ID_MAX_LENGTH)],
        outcome=Outcome.REFUSED, note="id cannot be recorded as it is",
    )
    context = {"title": f"Cannot look up this {kind} id", "kind": kind, "identifier": shown, "max_length": ID_MAX_LENGTH}
    return _render(request, "lookup/unusable_id.html", context, status=400)


def _recent(request):
    """The signed-in person's own latest lookups, as (kind, id, url) for the search page."""
    lookups = []
    for entry in recent_lookups(user=request.user, limit=10):
        url = page_url(entry.kind, entry.object_ids)
        if url:
            lookups.append({"kind": entry.kind, "id": entry.object_ids, "url": url, "at": entry.at})
    return lookups


def _render(request, template, context, status=200):
    context = {
        **admin.site.each_context(request),
        "is_nav_sidebar_enabled": False,  # perpdesk's pages use the full width
        **context,
    }
    return TemplateResponse(request, template, context, status=status)


def _not_found(request, kind, identifier):
    title = f"No {kind} {identifier}"
    context = {"title": title, "kind": kind, "identifier": identifier}
    return _render(request, "lookup/not_found.html", context, status=404)

