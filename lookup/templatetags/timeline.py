"""The timeline's rows (lookup.pages.timeline), built in Python as the other row tags
are (lookup.templatetags.perpdesk): a busy customer's timeline has dozens of them."""

from django import template
from django.utils.html import format_html, format_html_join

from lookup.templatetags.perpdesk import iso, when

register = template.Library()


@register.simple_tag
def timeline_rows(entries):
    return format_html_join("", "{}", ((_row(entry),) for entry in entries))


def _row(entry):
    url = entry.record.url
    record = format_html('<a href="{}">{}</a>', url, entry.record.label) if url else entry.record.label
    return format_html(
        '<tr class="pd-timeline-{}"><td><time datetime="{}">{}</time></td><td>{}</td><td>{}</td></tr>',
        entry.kind, iso(entry.moment), when(entry.moment), record, entry.text,
    )
