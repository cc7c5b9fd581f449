"""The HTML ids of a page's records, so a link can point at a row ("#order-…").

PERP's ids can hold anything (spaces, quotes, "#", non-Latin letters), which an id
attribute and a URL fragment cannot both carry as they are. `anchor` keeps the id's
plain letters for a reader and adds a short hash of the whole id, so two ids that
differ only in what was dropped still get different anchors. The row's id and the
link's fragment both come from here.
"""

import hashlib
import re

ORDER = "order"  # an order's row in the customer page's orders table
ORDER_EXPANDED = "order-expanded"  # the row under it with its production and artwork
INVOICE = "invoice"  # an invoice's row in an invoices table

NOT_PLAIN = re.compile(r"[^A-Za-z0-9_-]+", re.ASCII)
MAX_PLAIN = 40  # characters of the id kept readable in the anchor


def anchor(kind, identifier):
    """The id attribute (and fragment) of `identifier`'s `kind` of element: letters, digits,
    "-" and "_" only, e.g. order "A 17/x" -> "order-A-17-x-e28e507d"."""
    text = str(identifier)
    plain = NOT_PLAIN.sub("-", text).strip("-")[:MAX_PLAIN]
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{kind}-{plain}-{digest}" if plain else f"{kind}-{digest}"
