"""What each page shows, assembled from the reading layer.

One module per page — customer.py (the 360 page, kept whole by kept_pages.py while
fresh), order.py, invoice.py, search.py (the search's plan and its lookups) — each with
one `read(id or query, ..., *, refresh=False)` that its view and the Refresh button
call. What they are made of: sections.py (sections and paging), fanout.py (the
concurrent reads under one deadline) and messages.py (the words staff see for PERP's
failures)."""
