"""The "Copy reply" and "Copy note" buttons of an order, a VIP wallet or an invoice.

The texts (lookup.pages.replies) are plain text; the only place they meet HTML is the
buttons' `data-copy` attribute, which format_html escapes. The buttons are hidden until
perpdesk.js, which copies `data-copy`, reveals them.
"""

from django import template
from django.utils.html import format_html

from lookup.pages import replies
from lookup.pages.sections import Section

register = template.Library()

# kind: the data attribute keyboard shortcuts find a reply by (it holds the record's id)
KINDS = {"order": "data-reply-order", "wallet": "data-reply-wallet", "invoice": "data-reply-invoice"}


@register.simple_tag
def reply_buttons(kind, record, production=None, artwork=None, customer=None):
    """The two buttons for `record` (an Order, VIPWallet or Invoice); nothing without one.
    `production`, `artwork` (an order's) and `customer` (a wallet's) are models or Sections."""
    if not record or kind not in KINDS:
        return ""
    reply, note = _texts(kind, record, _value(production), _value(artwork), _value(customer))
    identifier, subject = _identity(kind, record)
    return format_html(
        '<span class="pd-replies">{}{}</span>',
        _reply_button(reply, KINDS[kind], identifier, f"Copy reply about {subject}"),
        _note_button(note, f"Copy note about {subject}"),
    )


def _texts(kind, record, production, artwork, customer):
    if kind == "order":
        return replies.order_texts(record, production, artwork)
    if kind == "wallet":
        return replies.wallet_texts(record, customer)
    return replies.invoice_texts(record)


def _identity(kind, record):
    """The id its data attribute holds, and what its buttons' labels call it."""
    if kind == "order":
        return record.order_id, f"order {replies.readable(record.order_number) or record.order_id}"
    if kind == "wallet":
        return record.customer_id, "the store credit"
    return record.invoice_id, f"invoice {replies.readable(record.invoice_number) or record.invoice_id}"


def _value(thing):
    """A Section's value (None when it failed); a model as it is."""
    value = thing.value if isinstance(thing, Section) else thing
    return value or None


def _reply_button(reply, attribute, identifier, label):
    if not reply.text:
        return ""
    return format_html(
        '<button type="button" class="pd-copy pd-reply" data-copy="{}" {}="{}" aria-label="{}" hidden>'
        "Copy reply</button>",
        reply.text, attribute, identifier, label,
    )


def _note_button(note, label):
    relative = format_html(' data-copy-relative="{}"', note.relative_link) if note.relative_link else ""
    return format_html(
        '<button type="button" class="pd-copy pd-copy-note" data-copy="{}"{} aria-label="{}" hidden>'
        "Copy note</button>",
        note.text, relative, label,
    )
