"""Whole pages kept while every PERP copy on them is fresh: a warm customer 360 view
skips reading its two dozen copies and rendering them again.

A snapshot is stored only for a page made entirely of fresh cached copies, and is used
until the first of those copies stops being fresh (`until`), so it shows nothing a
read of the copies would not. The other way copies change before then is the Refresh
button: each customer has a generation token, which a Refresh of anything of theirs
replaces (`forget`), and a snapshot of an older generation is never used. A reader
stores its snapshot under the generation it saw before it read the copies, so a page
assembled from copies that a Refresh has since replaced is never used either.

The key carries what fragment keys carry (release, settings, date, URL prefix:
lookup.fragments) plus the page's name, the customer and the variant: the parameters the
page understands, canonically spelled (lookup.customer_page.page_numbers), never the raw
query string, so junk parameters cannot multiply the kept copies.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from lookup import breaker, cache_keys, cache_store, clock, fragments
from lookup.cache_store import CacheUnavailable
from lookup.reading import notify_cache_event


@dataclass(frozen=True)
class Snapshot:
    page: Any  # what the view shows; picklable
    until: datetime  # when its first copy stops being fresh
    generation: str  # the customer's generation when its copies were read


@dataclass(frozen=True)
class Found:
    page: Any  # the snapshot's page, or None: assemble the page and `store` it
    generation: str  # to store a newly assembled page under
    # Read in the same round trip, for the page's banner: a kept page makes no other read.
    breaker_open: bool | None = None


def read(name, customer_id, variant):
    """The kept page for this customer and `variant` (its canonical page numbers), if still good."""
    key, generation_key = _key(name, customer_id, variant), cache_keys.customer_generation_key(customer_id)
    try:
        found = cache_store.get_many([key, generation_key, *breaker.state_keys()])
    except CacheUnavailable:
        return Found(None, "")
    generation = found.get(generation_key, "")
    snapshot = found.get(key)
    usable = isinstance(snapshot, Snapshot) and snapshot.generation == generation and clock.now() < snapshot.until
    notify_cache_event("hit" if usable else "miss", name)
    return Found(snapshot.page if usable else None, generation, breaker.state_of(found) != breaker.CLOSED)


def store(name, customer_id, variant, page, *, until, generation):
    """Keep `page` until `until` (at most PAGE_FRAGMENT_SECONDS), under `generation`."""
    seconds = min((until - clock.now()).total_seconds(), settings.PAGE_FRAGMENT_SECONDS)
    if seconds < 1:
        return
    try:
        cache_store.set(_key(name, customer_id, variant), Snapshot(page, until, generation), seconds)
    except CacheUnavailable:
        pass


def forget(customer_id):
    """Retire every kept page of this customer's (their copies were just read again)."""
    try:
        # Outlives every snapshot of the generation it replaces (each lives at most
        # PAGE_FRAGMENT_SECONDS), so an expired token never brings an old one back.
        cache_store.set(
            cache_keys.customer_generation_key(customer_id), uuid.uuid4().hex, 2 * settings.PAGE_FRAGMENT_SECONDS
        )
    except CacheUnavailable:
        pass  # a kept page then lasts at most until its first copy stops being fresh


def _key(name, customer_id, variant):
    return fragments.fragment_key(f"snapshot:{name}", (), {"customer": customer_id, "query": variant})
