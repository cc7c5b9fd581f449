"""Customer 360 pages kept whole while every PERP copy on them is fresh: a warm view
skips reading its two dozen copies and rendering them again.

A kept page is stored only for a page made entirely of fresh cached copies, and is
used until the first of those copies stops being fresh (`until`), so it shows nothing
a read of the copies would not. The other way copies change before then is the Refresh
button: each customer has a generation token, which a Refresh of anything of theirs
replaces (`forget`), and a kept page of an older generation is never used. A reader
stores its page under the generation it saw before it read the copies, so a page
assembled from copies that a Refresh has since replaced is never used either.

The key (lookup.reading.keys.kept_page_key) names the customer and the variant: the
parameters the page understands, canonically spelled (lookup.pages.customer.page_numbers),
never the raw query string, so junk parameters cannot multiply the kept pages. It also
names today's date and the URL prefix, which the page's HTML shows (overdue invoices,
links). A new release that changes what is kept bumps cache_keys.SCHEMA_VERSION; one
that only changes markup shows a page kept before it until that page's first copy
stops being fresh.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import get_script_prefix
from django.utils import timezone

from lookup.reading import breaker, keys as cache_keys, store as cache_store

from lookup import clock
from lookup.reading.store import CacheUnavailable
from lookup.reading.reader import notify_cache_event

RESOURCE = "kept_page"  # in metrics and the request log


@dataclass(frozen=True)
class KeptPage:
    page: Any  # what the view shows; picklable
    until: datetime  # when its first copy stops being fresh
    generation: str  # the customer's generation when its copies were read


@dataclass(frozen=True)
class Found:
    page: Any  # the kept page, or None: assemble the page and `store` it
    generation: str  # to store a newly assembled page under
    # Read in the same round trip, for the page's banner: a kept page makes no other read.
    breaker_open: bool | None = None


def read(customer_id, variant):
    """The kept page for this customer and `variant` (its canonical page numbers), if still good."""
    key, generation_key = _key(customer_id, variant), cache_keys.customer_generation_key(customer_id)
    try:
        found = cache_store.get_many([key, generation_key, *breaker.state_keys()])
    except CacheUnavailable:
        return Found(None, "")
    generation = found.get(generation_key, "")
    kept = found.get(key)
    usable = isinstance(kept, KeptPage) and kept.generation == generation and clock.now() < kept.until
    notify_cache_event("hit" if usable else "miss", RESOURCE)
    return Found(kept.page if usable else None, generation, breaker.state_of(found) != breaker.CLOSED)


def store(customer_id, variant, page, *, until, generation):
    """Keep `page` until `until` (at most KEPT_PAGE_SECONDS), under `generation`."""
    seconds = min((until - clock.now()).total_seconds(), settings.KEPT_PAGE_SECONDS)
    if seconds < 1:
        return
    try:
        cache_store.set(_key(customer_id, variant), KeptPage(page, until, generation), seconds)
    except CacheUnavailable:
        pass


def forget(customer_id):
    """Retire every kept page of this customer's (their copies were just read again)."""
    try:
        # Outlives every kept page of the generation it replaces (each lives at most
        # KEPT_PAGE_SECONDS), so an expired token never brings an old one back.
        cache_store.set(
            cache_keys.customer_generation_key(customer_id), uuid.uuid4().hex, 2 * settings.KEPT_PAGE_SECONDS
        )
    except CacheUnavailable:
        pass  # a kept page then lasts at most until its first copy stops being fresh


def _key(customer_id, variant):
    return cache_keys.kept_page_key(
        customer_id, variant, day=timezone.localdate().isoformat(), url_prefix=get_script_prefix()
    )
