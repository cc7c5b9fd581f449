"""Rendered parts of pages, cached by the PERP copies they were rendered from.

Rendering a customer's orders, invoices and wallet is most of a warm page's work,
and the HTML is a pure function of the PERP copies behind it. So a fragment's key
names those copies (each Reading's version, never its data), and a fragment can
never show anything but what the template would render from the copies on the page
right now: a new copy from PERP is a new key.

The key also carries everything else the HTML depends on:
- this release's templates and code, and the settings that reach the HTML (an
  instance on a new release never reads an older one's markup);
- today's date in TIME_ZONE (overdue invoices, "today" times);
- the URL prefix the links are reversed under;
- for a stale copy, its notice and age, which are shown inside some fragments;
- any other text a caller names (`variant`: lookup.page_snapshots' customer and query string).
A section that failed has no copy to name: such a fragment is rendered, not cached.

During a request, new fragments are written to the cache together once the response
has been sent (request_finished): a first view does not wait for caching its HTML.
"""

import hashlib
import json
import threading
from functools import cache

import django
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.dispatch import receiver
from django.urls import get_script_prefix
from django.utils import timezone

from lookup import cache_keys, cache_store, clock
from lookup.cache_store import CacheUnavailable

# Settings whose values end up in fragments' HTML.
RENDERED_SETTINGS = ("TIME_ZONE", "PERP_WEB_URL", "STATIC_URL", "LANGUAGE_CODE", "ACTIVE_ORDERS_EXPANDED")
SOURCE_SUFFIXES = (".py", ".html")


def render_cached(name, sections, render):
    """`render()`'s HTML for these sections, from the cache when it has it."""
    key = fragment_key(name, sections)
    if key is None:
        return render()
    try:
        html = cache_store.get(key)
    except CacheUnavailable:
        return render()
    if isinstance(html, str):
        return html
    html = render()
    _store_when_sent(key, str(html))
    return html


_this_request = threading.local()  # .writes: [(key, html)] while a request is served


@receiver(request_started)
def _collect_writes(**kwargs):
    _this_request.writes = []


@receiver(request_finished)
def _write_collected(**kwargs):
    writes, _this_request.writes = getattr(_this_request, "writes", None), None
    if writes:
        _store(dict(writes))


def _store_when_sent(key, html):
    writes = getattr(_this_request, "writes", None)
    if writes is None:  # rendered outside a request: store it now
        _store({key: html})
    else:
        writes.append((key, html))


def _store(fragments):
    try:
        cache_store.set_many(fragments, settings.PAGE_FRAGMENT_SECONDS)
    except CacheUnavailable:
        pass


def fragment_key(name, sections, variant=None):
    """The fragment's cache key, or None when a section has no copy to name (it failed)."""
    copies = []
    for section in sections:
        if not getattr(section, "ok", False) or not getattr(section, "version", ""):
            return None
        copies.append(_copy_identity(section))
    parts = [
        release_fingerprint(), _rendered_settings(), name,
        timezone.localdate().isoformat(), get_script_prefix(), copies, variant or {},
    ]
    digest = hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]
    return cache_keys.fragment_key(digest)


def _copy_identity(section):
    if not section.is_stale:
        return [section.version]
    minutes_old = int((clock.now() - section.fetched_at).total_seconds() // 60)
    return [section.version, section.stale_reason, minutes_old]  # the stale notice shows them


def _rendered_settings():
    return [str(getattr(settings, name, "")) for name in RENDERED_SETTINGS]


@cache
def release_fingerprint():
    """A digest of perpdesk's templates and code and of Django's version."""
    digest = hashlib.sha256(django.get_version().encode())
    for path in _source_files():
        digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _source_files():
    roots = [settings.BASE_DIR / "templates", settings.BASE_DIR / "lookup"]
    return sorted(
        path for root in roots for path in root.rglob("*")
        if path.suffix in SOURCE_SUFFIXES and path.is_file()
    )
