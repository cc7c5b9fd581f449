"""The lines of what needs attention (lookup.pages.attention), built in Python as the
other row tags are (lookup.templatetags.perpdesk): one per record, its problems side by
side, each linking to its place on the page."""

from django import template
from django.utils.html import format_html, format_html_join

from lookup.templatetags.perpdesk import day, iso, money

register = template.Library()


@register.simple_tag
def attention_lines(attention):
    return format_html_join("", "{}", ((_line(group),) for group in attention.groups))


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
