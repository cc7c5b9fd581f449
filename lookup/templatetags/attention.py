"""The lines of what needs attention (lookup.pages.attention), built in Python as the
other row tags are (lookup.templatetags.perpdesk): one per record, its problems side by
side, each linking to its place on the page."""

from django import template
from django.utils.html import format_html, format_html_join

from lookup.templatetags.perpdesk import day, iso, money

register = template.Library()

# Lines shown before the rest fold away under "N more": the list sits above the profile,
# and a busy customer's twenty lines would push everything else off the screen.
LINES_SHOWN = 6


@register.simple_tag
def attention_list(attention):
    groups = attention.groups
    shown = format_html('<ul class="pd-attention-list">{}</ul>', _lines(groups[:LINES_SHOWN]))
    rest = groups[LINES_SHOWN:]
    if not rest:
        return shown
    return format_html(
        '{}<details class="pd-attention-more"><summary>{} more</summary><ul class="pd-attention-list">{}</ul></details>',
        shown, len(rest), _lines(rest),
    )


def _lines(groups):
    return format_html_join("", "{}", ((_line(group),) for group in groups))


def _line(group):
    problems = format_html_join("; ", "{}", ((_problem(item),) for item in group.items))
    return format_html(
        '<li class="pd-attention-item"><strong>{} {}</strong>: {}</li>',
        group.subject.noun, group.subject.name, problems,
    )


def _problem(item):
    part = format_html("{}: ", item.part) if item.part else ""
    amount = format_html(", {} due", money(item.amount, item.currency)) if item.amount is not None else ""
    since = format_html(
        ' <span class="pd-muted">({} <time datetime="{}">{}</time>)</span>', item.since_label, iso(item.since), day(item.since)
    ) if item.since else ""
    return format_html(
        '<span class="pd-attention-problem pd-{}"><a href="#{}">{}{}</a>{}{}</span>',
        item.kind, item.anchor, part, item.problem, amount, since,
    )


@register.simple_tag
def not_judged_lines(attention):
    """One line per kind of part and reason: thirty orders not expanded are one line
    naming them, each linking to its row."""
    kinds = {}
    for part in attention.not_judged:
        kinds.setdefault((part.what, part.reason), []).append(part)
    return format_html_join("", "{}", ((_not_judged_line(parts),) for parts in kinds.values()))


def _not_judged_line(parts):
    first = parts[0]
    if not first.name:
        return format_html('<li class="pd-note"><a href="#{}">{}</a>: {}</li>', first.anchor, first.what, first.reason)
    what = f"{first.what}s" if len(parts) > 1 and first.what.endswith(" order") else first.what
    names = format_html_join(", ", '<a href="#{}">{}</a>', ((part.anchor, part.name) for part in parts))
    return format_html('<li class="pd-note">{} {}: {}</li>', what, names, first.reason)
