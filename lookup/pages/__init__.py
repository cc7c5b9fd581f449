"""What each page shows, assembled from the reading layer: sections and paging, the
fan-out that reads a page's sections concurrently, the pages themselves, the customer
page kept whole (kept_pages.py), the search, and the messages staff see for PERP's
failures."""
