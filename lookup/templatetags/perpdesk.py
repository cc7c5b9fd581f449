"""How PERP's values look on perpdesk's pages: money, moments, statuses, links.

Nothing here marks PERP text safe: every filter returns plain strings, which the
template engine escapes. URLs from PERP pass `safe_url` before they become a link
or an image.
"""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import quote, urlsplit

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from lookup import clock as time_source
from lookup import fragments
from lookup.templatetags.charts import signed_amount, wallet_chart

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
        return format_date(timezone.localtime(moment), "j M Y, H:i")
    if isinstance(moment, date):
        return format_date(moment, "j M Y")
    return str(moment)


@register.filter
def day(moment):
    """Just the day (in TIME_ZONE), for dense tables."""
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment).date()
    return format_date(moment, "j M Y") if isinstance(moment, date) else MISSING


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
    text = str(status).replace("_", " ")
    return text[:1].upper() + text[1:]


@register.filter
def safe_url(url):
    """The URL if it is an absolute http(s) URL; otherwise "" (show it as text, or drop it)."""
    if not isinstance(url, str) or not url:
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
    files = getattr(item, "files", None)
    src = safe_url(files.thumbnail.url) if files and files.thumbnail else ""
    if not src:
        return mark_safe(  # a constant: nothing from PERP in it
            '<span class="pd-thumb pd-thumb-missing" role="img" aria-label="No thumbnail">—</span>'
        )
    return format_html(
        '<img class="pd-thumb" src="{}" alt="Thumbnail of the artwork for {}" '
        'referrerpolicy="no-referrer" loading="lazy" width="{}" height="{}">',
        src, item.product_name or "this line", size, size,
    )


@register.simple_tag
def page_url(kind, identifier):
    """The perpdesk page of a customer, order or invoice; "" if the id cannot be a URL."""
    try:
        url = reverse(f"admin:{kind}", args=[str(identifier)])
    except NoReverseMatch:  # e.g. an id with a slash, or an empty one
        return ""
    return url


register.filter("signed_amount", signed_amount)


# The two tags below stand in every row of a page: built with format_html (which
# escapes every argument) rather than as included templates, for speed.


@register.simple_tag
def copyable(value, label=""):
    """An id or number as selectable text, with a copy button that JavaScript reveals."""
    if not value:
        return "—"
    return format_html(
        '<span class="pd-copyable"><code class="pd-id">{}</code><button type="button" '
        'class="pd-copy" data-copy="{}" aria-label="Copy {}" hidden>Copy</button></span>',
        value, value, label or value,
    )


@register.simple_tag
def status_badge(status, display=None):
    return format_html(
        '<span class="pd-badge {}">{}</span>', status_tone(status), display or status_text(status)
    )


@register.inclusion_tag("lookup/includes/balance_chart.html")
def balance_chart(wallet):
    return {"chart": wallet_chart(wallet), "wallet": wallet}


@register.tag
def renderedfrom(parser, token):
    """{% renderedfrom "name" section [sections ...] %}...{% endrenderedfrom %}

    The enclosed HTML, cached under the PERP copies of the sections named (a Section
    or a list of them; see lookup.fragments). It must depend on nothing else that
    varies: no request, user, CSRF token or clock inside.
    """
    name, *sections = token.split_contents()[1:] or [None]
    if name is None or not sections:
        raise template.TemplateSyntaxError("renderedfrom needs a name and at least one section")
    nodelist = parser.parse(("endrenderedfrom",))
    parser.delete_first_token()
    return RenderedFromNode(
        nodelist, parser.compile_filter(name), [parser.compile_filter(s) for s in sections]
    )


class RenderedFromNode(template.Node):
    def __init__(self, nodelist, name, sections):
        self.nodelist = nodelist
        self.name = name
        self.sections = sections

    def render(self, context):
        sections = []
        for expression in self.sections:
            resolved = expression.resolve(context)
            sections.extend(resolved if isinstance(resolved, (list, tuple)) else [resolved])
        html = fragments.render_cached(
            self.name.resolve(context), sections, lambda: self.nodelist.render(context)
        )
        return mark_safe(html)  # our own template's output, escaped when it was rendered
