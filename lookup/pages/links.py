"""The perpdesk page of a PERP record, the one rule the pages' links, the timeline and the
copied notes share."""

from django.urls import NoReverseMatch, reverse

from lookup.perp.endpoints import is_one_segment
from lookup.perp.fields import AsSent


def page_path(kind, identifier):
    """The path of a customer, order or invoice page; "" if the id cannot be a URL."""
    if isinstance(identifier, AsSent):
        return ""  # not an id PERP could know
    if not is_one_segment(identifier):
        return ""  # e.g. "..": /orders/../ is the search page
    try:
        return reverse(f"admin:{kind}", args=[str(identifier)])
    except NoReverseMatch:  # e.g. an id with a slash, or an empty one
        return ""
