"""The "Copy reply" and "Copy note" texts: a short paragraph for the customer and an
internal note for a ticket, about an order, a VIP wallet or an invoice.

Their wording is in templates/lookup/replies/*.txt, so a shop can change it without
code; this module gives those templates the facts, read from the models the page
already holds (no PERP call). A fact PERP did not send, or sent unreadably (AsSent),
is None here, and the templates leave its sentence out.

The texts end up in a kept page shown to every staff member (lookup.pages.kept_pages):
nothing in them depends on who asks or on the request.
"""

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string

from lookup.pages.links import page_path
from lookup.perp.fields import AsSent
from lookup.perp.models import ProofSheet

# Artwork statuses, as the reply speaks of them. PERP documents pending, submitted,
# approved, rejected and revision_requested; the names after them are ones ERPs use for
# a proof out with the customer. Any other status is left out of the texts.
ARTWORK_STATES = {
    "approved": "approved",
    "rejected": "rejected",
    "revision_requested": "revision_requested",
    "submitted": "in_review",
    "awaiting_approval": "waiting",
    "proof_sent": "waiting",
    "awaiting_customer": "waiting",
}
# A proof sheet generated for an item PERP has not marked reviewed is with the customer.
PROOF_OUT_STATUSES = frozenset({"pending", "submitted"})


@dataclass(frozen=True)
class CopyText:
    """One button's text: `relative_link` is the page path the text holds when no
    PERPDESK_PUBLIC_URL is set (the browser makes it absolute); "" otherwise."""

    text: str
    relative_link: str = ""


# --- The texts ---------------------------------------------------------------------------


def order_texts(order, production=None, artwork=None):
    """(reply, note) about `order`, with its production and artwork when the page read them."""
    link = _link("order", order.order_id)
    context = {
        "order": order_facts(order),
        "production": production_facts(production),
        "artwork": artwork_facts(artwork),
        "link": link.text,
    }
    return _texts("order", context, link)


def wallet_texts(wallet, customer=None):
    """(reply, note) about a customer's VIP wallet (`customer`: their profile, for the note)."""
    link = _link("customer", wallet.customer_id)
    context = {"wallet": wallet_facts(wallet, customer), "link": link.text}
    return _texts("wallet", context, link)


def invoice_texts(invoice):
    """(reply, note) about `invoice`."""
    link = _link("invoice", invoice.invoice_id)
    context = {"invoice": invoice_facts(invoice), "link": link.text}
    return _texts("invoice", context, link)


def _texts(kind, context, link):
    reply = paragraph(render_to_string(f"lookup/replies/{kind}_reply.txt", context))
    note = lines(render_to_string(f"lookup/replies/{kind}_note.txt", context))
    return CopyText(reply), CopyText(note, link.relative_link if link.text in note else "")


def paragraph(text):
    """The rendered template as one paragraph: every run of whitespace one space."""
    return " ".join(text.split())


def lines(text):
    """The rendered template's non-blank lines, each with its whitespace collapsed."""
    return "\n".join(paragraph(line) for line in text.splitlines() if line.strip())


def _link(kind, identifier):
    """The perpdesk page as a CopyText: absolute with PERPDESK_PUBLIC_URL, else its path."""
    path = page_path(kind, identifier)
    base = settings.PERPDESK_PUBLIC_URL
    if not path or base:
        return CopyText(base + path if path else "")
    return CopyText(path, relative_link=path)


# --- The facts the templates are given ------------------------------------------------------
# Statuses are PERP's words (status_display, else the code); the templates show them
# through the pages' own `status_text` filter, money through `money`, dates through `day`.


def readable(value):
    """`value`, or None when PERP sent none, an empty one, or one perpdesk could not read."""
    if value is None or isinstance(value, AsSent) or value == "":
        return None
    return value


def order_facts(order):
    return {
        "number": readable(order.order_number) or order.order_id,
        "order_id": order.order_id,
        "customer_id": readable(order.customer_id),
        "customer_name": readable(order.customer_name),
        "status": readable(order.status_display) or readable(order.status),
        "is_cancelled": (order.status or "").lower() == "cancelled",
        "ordered_on": readable(order.order_date),
        "ships_on": readable(order.estimated_ship_date) if order.is_active else None,
        "shipped_on": readable(order.actual_ship_date),
        "total": readable(order.total_amount),
        "currency": readable(order.currency),
    }


def production_facts(production):
    if production is None:
        return None
    return {
        "stage": _current_stage(production),
        "percent": readable(production.completion_percentage),
        "ships_on": readable(production.estimated_ship_date),
        "status": readable(production.overall_status),
        "notes": readable(production.notes),
    }


def _current_stage(production):
    current = readable(production.current_stage)
    if current is None:
        return None
    for stage in production.stages:
        if stage.stage_name == current:
            return readable(stage.stage_display) or current
    return current


def artwork_facts(artwork):
    """The artwork items the texts can speak of (a status they know), in PERP's order."""
    if artwork is None:
        return []
    facts = (_artwork_item(item) for item in artwork.artwork_items)
    return [fact for fact in facts if fact is not None]


def _artwork_item(item):
    status = (readable(item.status) or "").lower()
    state = ARTWORK_STATES.get(status)
    proof = item.proof_sheet if isinstance(item.proof_sheet, ProofSheet) else None
    if status in PROOF_OUT_STATUSES and proof is not None:
        state = "waiting"
    if state is None:
        return None
    return {
        "state": state,
        "product": readable(item.product_name),
        "artwork_id": readable(item.artwork_id),
        "since": _since(item, state, proof),
        "notes": readable(item.notes),
    }


def _since(item, state, proof):
    dates = {
        "approved": item.approved_date,
        "rejected": item.rejected_date,
        "revision_requested": item.revision_requested_date,
        "in_review": item.submitted_date,
        "waiting": proof.generated_date if proof else item.reviewed_date,
    }
    return readable(dates[state])


def wallet_facts(wallet, customer=None):
    return {
        "balance": readable(wallet.balance),
        "currency": readable(wallet.currency),
        "last_change_on": readable(wallet.last_transaction_date),
        "customer_id": wallet.customer_id,
        "customer_name": readable(getattr(customer, "name", None)),
    }


def invoice_facts(invoice):
    status = (readable(invoice.status) or "").lower()
    return {
        "number": readable(invoice.invoice_number) or invoice.invoice_id,
        "invoice_id": invoice.invoice_id,
        "customer_id": readable(invoice.customer_id),
        "order_id": readable(invoice.order_id),
        "status": readable(invoice.status),
        "is_paid": status == "paid",
        "is_overdue": status == "overdue",
        "is_cancelled": status == "cancelled",
        "invoiced_on": readable(invoice.invoice_date),
        "due_on": readable(invoice.due_date),
        "total": readable(invoice.total_amount),
        "paid": readable(invoice.amount_paid),
        "due": readable(invoice.amount_due),
        "currency": readable(invoice.currency),
    }
