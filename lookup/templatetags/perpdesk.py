"""How PERP's values look on perpdesk's pages: money, moments, statuses, links.

Nothing here marks PERP text safe: every filter returns plain strings, which the
template engine escapes, and every tag builds its HTML with Django's `format_html`
and `format_html_join`, which escape each argument. URLs from PERP pass `safe_url`
before they become a link or an image.

A value PERP sent in a form perpdesk could not read (`AsSent`) is shown as PERP's
text, escaped and marked "as sent by PERP" (its __html__): filters hand it on as it
is, never compute with it, and never put it in an attribute as markup.
"""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import quote, urlsplit

from django import template
from django.conf import settings
from django.template.defaultfilters import filesizeformat, floatformat
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.dates import MONTHS_3
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from lookup import clock as time_source
from lookup.pages.anchors import INVOICE, ORDER, ORDER_EXPANDED, anchor
from lookup.pages.links import page_path
from lookup.perp.fields import AsSent, not_shown
from lookup.templatetags.charts import signed_amount, wallet_chart
from lookup.templatetags.replies import reply_buttons

register = template.Library()

MISSING = "—"
CENT = Decimal("0.01")

# Statuses PERP documents (orders, production stages, artwork, invoices) by tone.
# Anything else is shown as PERP's text with the neutral tone.
STATUS_TONES = {
    "success": {"delivered", "shipped", "completed", "approved", "paid", "ready_to_ship", "credit"},
    "info": {"in_production", "in_progress", "submitted", "sent", "processing"},
    "warning": {"pending", "on_hold", "partial", "revision_requested", "draft"},
    "danger": {"overdue", "rejected", "cancelled", "failed"},
}
TONE_OF_STATUS = {status: tone for tone, statuses in STATUS_TONES.items() for status in statuses}


@register.filter
def money(amount, currency=None):
    """`USD 1,234.50` from a Decimal; never through float."""
    if amount is None:
        return MISSING
    if isinstance(amount, AsSent):
        return format_html("{} {}", currency, amount) if currency else amount
    try:
        amount = Decimal(amount).quantize(CENT, ROUND_HALF_UP)
    except InvalidOperation:  # beyond Decimal's precision: show it as PERP sent it
        return f"{currency} {amount}" if currency else str(amount)
    sign = "-" if amount < 0 else ""
    text = f"{abs(amount):,.2f}"
    return f"{sign}{currency} {text}" if currency else f"{sign}{text}"


@register.filter
def when(moment):
    """A date as a date; a datetime in TIME_ZONE, to the minute."""
    if moment is None or moment == "":
        return MISSING
    if isinstance(moment, datetime):
        local = timezone.localtime(moment)
        return f"{_day_month_year(local)}, {local:%H:%M}"
    if isinstance(moment, date):
        return _day_month_year(moment)
    return moment if isinstance(moment, AsSent) else str(moment)


@register.filter
def day(moment):
    """Just the day (in TIME_ZONE), for dense tables."""
    if isinstance(moment, AsSent):
        return moment
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment).date()
    return _day_month_year(moment) if isinstance(moment, date) else MISSING


def _day_month_year(moment):
    # Django's date format "j M Y" without its formatter, which pages call hundreds of times.
    return f"{moment.day} {MONTHS_3[moment.month].title()} {moment.year:04d}"


@register.filter
def iso(moment):
    """For <time datetime="...">."""
    if isinstance(moment, datetime):
        return timezone.localtime(moment).isoformat()
    return moment.isoformat() if isinstance(moment, date) else ""


@register.filter
def clock(moment):
    """When data was fetched: 14:02 today, else 3 Nov 14:02 (TIME_ZONE)."""
    if not isinstance(moment, datetime):
        return MISSING
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return format_date(local, "H:i")
    return format_date(local, "j M H:i")


@register.filter
def age(moment):
    """How long ago: just now, 35 min ago, 2 h 5 min ago, 3 days ago."""
    if not isinstance(moment, datetime):
        return MISSING
    minutes = int((time_source.now() - moment).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min ago" if minutes else f"{hours} h ago"
    days = hours // 24
    return "1 day ago" if days == 1 else f"{days} days ago"


@register.filter
def status_tone(status):
    """A CSS class for a status; unknown statuses get the neutral one."""
    return "tone-" + TONE_OF_STATUS.get(str(status or "").lower(), "neutral")


@register.filter
def status_text(status):
    """in_production -> In production; unknown statuses kept as PERP wrote them."""
    if not status:
        return "Unknown"
    if isinstance(status, AsSent):
        return status
    text = str(status).replace("_", " ")
    return text[:1].upper() + text[1:]


@register.filter
def safe_url(url):
    """The URL if it is an absolute http(s) URL; otherwise "" (show it as text, or drop it)."""
    if not isinstance(url, str) or not url or isinstance(url, AsSent):
        return ""
    if any(not character.isprintable() or character.isspace() for character in url):
        return ""  # browsers strip or ignore these, which could turn a URL into another
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return url


@register.simple_tag
def perp_web_url(kind, identifier):
    """Link into PERP's own web UI (PERP_WEB_URL), or "" when not configured."""
    pattern = getattr(settings, "PERP_WEB_URL", "")
    if not pattern or not identifier:
        return ""
    url = pattern.replace("{kind}", quote(kind, safe="")).replace(
        "{id}", quote(str(identifier), safe="")
    )
    return safe_url(url)


@register.simple_tag
def perp_link(kind, identifier):
    """An "Open in PERP" link, or nothing when PERP_WEB_URL is not set."""
    url = perp_web_url(kind, identifier)
    if not url:
        return ""
    return format_html(
        '<a class="pd-perp-link" href="{}" target="_blank" rel="noopener noreferrer">'
        'Open in PERP<span aria-hidden="true"> ↗</span></a>',
        url,
    )


@register.simple_tag
def thumbnail(item, size=64):
    """An artwork thumbnail, only from an http(s) URL; a marked gap otherwise."""
    thumbnail_file = getattr(getattr(item, "files", None), "thumbnail", None)
    src = safe_url(getattr(thumbnail_file, "url", None))
    if not src:
        return mark_safe(  # a constant: nothing from PERP in it
            '<span class="pd-thumb pd-thumb-missing" role="img" aria-label="No thumbnail">—</span>'
        )
    return format_html(
        '<img class="pd-thumb" src="{}" alt="Thumbnail of the artwork for {}" '
        'referrerpolicy="no-referrer" loading="lazy" width="{}" height="{}">',
        src, str(item.product_name or "this line"), size, size,
    )


@register.simple_tag
def page_url(kind, identifier):
    """The perpdesk page of a customer, order or invoice; "" if the id cannot be a URL."""
    return page_path(kind, identifier)


register.filter("signed_amount", signed_amount)


@register.filter
def as_sent(value):
    """True for a value kept as PERP's text (e.g. an address PERP sent as one string)."""
    return isinstance(value, AsSent)


@register.filter
def file_size(size):
    """2.0 MB from bytes; a size PERP sent as text ("2 MB") as that text."""
    if size is None or isinstance(size, AsSent):
        return size or ""
    return filesizeformat(size)


@register.filter
def signed_money(transaction, currency=None):
    """A wallet transaction's effect: +USD 50.00 or -USD 30.00 (its text if unreadable)."""
    amount = signed_amount(transaction)
    if amount is None or isinstance(amount, AsSent):
        return money(amount, currency)
    return ("+" if amount >= 0 else "") + money(amount, currency)


@register.filter
def amount_tone(transaction):
    """pd-credit or pd-debit for a wallet transaction; nothing when it cannot be read."""
    amount = signed_amount(transaction)
    if amount is None or isinstance(amount, AsSent):
        return ""
    return "pd-debit" if amount < 0 else "pd-credit"


@register.simple_tag
def not_shown_note(record, noun):
    """Says which of a record's lists (its `noun`: "line items") PERP sent unreadably."""
    paths = not_shown(record) if record else ()
    if not paths:
        return ""
    if all(path.endswith("[]") for path in paths):
        text = f"Some {noun} PERP sent could not be read and are not shown."
    else:
        text = f"PERP sent {noun} in a form perpdesk could not read: they are not shown."
    return format_html('<p class="pd-note pd-as-sent-note" role="note">{}</p>', text)


# The tags below stand in every row or section of a page: built in Python with
# format_html, as the admin builds its change list rows, rather than as included
# templates, which cost most of a first view's rendering.


@register.simple_tag
def copyable(value, label=""):
    """An id or number as selectable text, with a copy button that JavaScript reveals."""
    if not value:
        return "—"
    return format_html(
        '<span class="pd-copyable"><code class="pd-id">{}</code><button type="button" '
        'class="pd-copy" data-copy="{}" aria-label="Copy {}" hidden>Copy</button></span>',
        value, str(value), str(label or value),  # attributes: the bare text, never markup
    )


@register.simple_tag
def status_badge(status, display=None):
    return format_html(
        '<span class="pd-badge {}">{}</span>', status_tone(status), display or status_text(status)
    )


@register.simple_tag
def section_state(section, name):
    """A section's failure or staleness notice; nothing while it is fine."""
    if not section.ok:
        return format_html(
            '<p class="pd-error" role="alert"><strong>{}:</strong> {}{}</p>',
            name, section.message, _since(section.error),
        )
    if section.is_stale:
        return format_html(
            '<p class="pd-stale" role="status">{}{} — showing data from {} ({})</p>',
            section.stale_reason, _since(section.stale_because), _time(section.fetched_at), age(section.fetched_at),
        )
    return ""


def _since(error):
    """' (since 10:42:05)' for a failure perpdesk remembers (lookup.reading.error_memory), else ''."""
    first_seen = getattr(error, "first_seen", None)
    if not isinstance(first_seen, datetime):
        return ""
    seen = f"{timezone.localtime(first_seen):%H:%M:%S}"
    return format_html(' (since <time datetime="{}">{}</time>)', iso(first_seen), seen)


@register.simple_tag
def fetched(section):
    """When a section's data was fetched from PERP."""
    if not section.fetched_at:
        return ""
    return format_html('<span class="pd-fetched">fetched {}</span>', _time(section.fetched_at))


def _time(moment):
    return format_html('<time datetime="{}">{}</time>', iso(moment), clock(moment))


@register.simple_tag
def external_link(url, text):
    """A link to a URL from PERP, only if it is http(s); otherwise the text alone."""
    href = safe_url(url)
    if href:
        return format_html('<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>', href, text)
    if url:
        return format_html('<span class="pd-unsafe-url" title="Not an http(s) link">{}</span>', text)
    return ""


@register.simple_tag
def order_row(order, dues=None):
    """An order's row in the customer's orders table (its expansion is the template's);
    `dues`: what its invoices say is paid and due (lookup.pages.order_dues.Dues)."""
    return format_html(
        '<tr id="{}" data-order-id="{}" class="{}"><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td>'
        '<td class="pd-num">{}</td><td class="pd-num">{}</td><td>{}</td></tr>',
        anchor(ORDER, order.order_id), str(order.order_id), "pd-active" if order.is_active else "",
        _page_link("order", order.order_id, order.order_number),
        day(order.order_date), status_badge(order.status, order.status_display), _shipping(order),
        money(order.total_amount, order.currency),
        _due_cell(dues.for_order(order.order_id) if dues is not None else None), perp_link("orders", order.order_id),
    )


@register.simple_tag
def order_expanded_anchor(order_id):
    """The id of the row under an order's row with its production and artwork."""
    return anchor(ORDER_EXPANDED, order_id)


def _due_cell(due):
    """Each currency's amount due and paid, or why they cannot be known here."""
    if due is None:
        return MISSING
    if not due.known:
        return format_html('<span class="pd-due-unknown">Not known <span class="pd-due-why">{}</span></span>',
                           due.unknown_because)
    return format_html_join("", '<span class="pd-due{}">{} due <span class="pd-due-paid">{} paid</span></span>', (
        (" pd-strong" if amounts.due else "", money(amounts.due, amounts.currency),
         money(amounts.paid, amounts.currency))
        for amounts in due.amounts
    ))


def _page_link(kind, identifier, number):
    """A record's number (its id if it has none) linking to its page, when it can have one."""
    url = page_url(kind, identifier)
    text = number or identifier
    return format_html('<a href="{}">{}</a>', url, text) if url else text


def _shipping(order):
    if order.actual_ship_date:
        return format_html("Shipped {}", day(order.actual_ship_date))
    if order.is_active and order.estimated_ship_date:
        return format_html("Est. {}", day(order.estimated_ship_date))
    return MISSING


@register.simple_tag
def invoice_rows(invoices):
    """The rows of an invoices table (built in Python like the admin's own change list rows)."""
    return format_html_join("", "{}", ((_invoice_row(invoice),) for invoice in invoices))


def _invoice_row(invoice):
    return format_html(
        '<tr id="{}" class="{}"><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td>'
        '<td class="pd-num">{}</td><td class="pd-num">{}</td><td class="pd-num{}">{}</td><td>{}</td><td>{}</td></tr>',
        anchor(INVOICE, invoice.invoice_id), "pd-overdue" if invoice.is_overdue else "",
        _page_link("invoice", invoice.invoice_id, invoice.invoice_number),
        day(invoice.invoice_date), day(invoice.due_date), status_badge(invoice.status),
        money(invoice.total_amount, invoice.currency), money(invoice.amount_paid, invoice.currency),
        " pd-strong" if invoice.amount_due else "", money(invoice.amount_due, invoice.currency),
        external_link(invoice.pdf_url, "PDF"), reply_buttons("invoice", invoice),
    )


NO_PRODUCTION = mark_safe('<p class="pd-empty">No production status for this order yet.</p>')
NO_ARTWORK = mark_safe('<p class="pd-empty">No artwork submitted yet.</p>')


@register.simple_tag
def production_section(section, detailed=False):
    """An order's production, as the customer page (compact) and the order page (`detailed`)
    both show it: its notice, its stepper, or that PERP has none yet."""
    if section.value:
        shown = stepper(section.value, detailed)
    else:
        shown = NO_PRODUCTION if section.ok else ""
    return format_html("{}{}", section_state(section, "Production"), shown)


@register.simple_tag
def artwork_section(section, detailed=False):
    """An order's artwork, as the customer page (a strip of thumbnails) and the order page
    (`detailed`: every item's dates, files and proof) both show it."""
    if section.value and detailed:
        shown = render_to_string("lookup/includes/artwork_detailed.html", {"artwork": section.value})
    elif section.value:
        shown = artwork_strip(section.value)
    else:
        shown = NO_ARTWORK if section.ok else ""
    return format_html("{}{}", section_state(section, "Artwork"), shown)


@register.simple_tag
def artwork_strip(artwork):
    """An order's artwork items as a row of thumbnails with their status."""
    if not artwork.artwork_items:
        return format_html("{}{}", NO_ARTWORK, not_shown_note(artwork, "artwork items"))
    items = format_html_join("", (
        '<li>{}<span class="pd-artwork-caption"><span class="pd-artwork-name">{}</span>{}</span></li>'
    ), (
        (thumbnail(item, 48), item.product_name or "Artwork", status_badge(item.status))
        for item in artwork.artwork_items
    ))
    return format_html('<ul class="pd-artwork-strip">{}</ul>{}', items, not_shown_note(artwork, "artwork items"))


@register.simple_tag
def stepper(production, detailed=False):
    """Production's progress and its stages as a stepper (`detailed`: dates and notes too).

    Built in Python as the tags above are: it stands in every expanded row of the
    customer page, where as a template it was most of a first view's rendering.
    """
    progress = _progress(production.completion_percentage)
    status = status_badge(production.overall_status) if production.overall_status else ""
    ships = format_html('<span class="pd-muted">ships {}</span>', day(production.estimated_ship_date)) \
        if production.estimated_ship_date else ""
    notes = format_html('<p class="pd-notes"><strong>Notes:</strong> {}</p>', production.notes) \
        if detailed and production.notes else ""
    return format_html(
        '<div class="pd-production"><div class="pd-progress-line">{}{}{}</div>{}{}{}</div>',
        progress, status, ships, _stages(production, detailed),
        not_shown_note(production, "production stages"), notes,
    )


def _progress(percent):
    if percent is None:
        return ""
    if isinstance(percent, AsSent):
        return format_html('<span class="pd-percent">{} complete</span>', percent)
    return format_html(
        '<progress max="100" value="{}" aria-label="Production complete">{}%</progress>'
        '<span class="pd-percent">{}% complete</span>',
        localize(percent), floatformat(percent, 0), floatformat(percent, 0),
    )


def _stages(production, detailed):
    if not production.stages:
        return mark_safe('<p class="pd-empty">PERP lists no production stages for this order.</p>')
    steps = format_html_join("", "{}", ((_step(stage, production, detailed),) for stage in production.stages))
    return format_html('<ol class="pd-stepper{}">{}</ol>', " pd-stepper-detailed" if detailed else "", steps)


def _step(stage, production, detailed):
    current = bool(stage.stage_name) and stage.stage_name == production.current_stage
    return format_html(
        '<li class="pd-step {}"{}><span class="pd-step-dot" aria-hidden="true"></span>'
        '<span class="pd-step-name">{}</span><span class="pd-step-status">{}</span>{}</li>',
        status_tone(stage.status), mark_safe(' aria-current="step"') if current else "",
        stage.stage_display or stage.stage_name or "Stage", status_text(stage.status),
        _step_dates(stage) if detailed else "",
    )


def _step_dates(stage):
    dates = [("Started", stage.started_at), ("Completed", stage.completed_at)]
    if not stage.completed_at:
        dates.append(("Expected", stage.estimated_completion))
    shown = ((label, when(moment)) for label, moment in dates if moment)
    return format_html('<span class="pd-step-dates">{}</span>', format_html_join("", "<span>{} {}</span>", shown))


@register.inclusion_tag("lookup/includes/balance_chart.html")
def balance_chart(wallet):
    return {"chart": wallet_chart(wallet), "wallet": wallet}
