"""The ticket a person's lookups are recorded for (lookup.ticket), for the header of
perpdesk's pages."""

from django import template

from lookup.ticket import ticket_reference as reference_of

register = template.Library()


@register.simple_tag(takes_context=True)
def ticket_reference(context):
    """`{% ticket_reference as ticket %}`: "" outside a flow. Read only where shown."""
    return reference_of(context["request"])
