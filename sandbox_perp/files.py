"""The /files/ URLs that PERP payloads link to: generated artwork SVGs and PDFs."""

from .artwork import proof_title
from .images import SIZES, artwork_svg, tiny_pdf

SVG = "image/svg+xml"
PDF = "application/pdf"

ROUTES = (
    "/files/artwork/{id}/{file}",
    "/files/proofs/{file}",
    "/files/invoices/{file}",
)


def serve(dataset, template, params):
    """(content type, body) for a file, or None when it does not exist."""
    if template == "/files/artwork/{id}/{file}":
        return _artwork(dataset, params["id"], params["file"])
    if template == "/files/proofs/{file}":
        art_id = _strip(params["file"], ".pdf")
        if art_id in dataset.artwork_art:
            return PDF, tiny_pdf(proof_title(art_id))
    if template == "/files/invoices/{file}":
        invoice_id = _strip(params["file"], ".pdf")
        if invoice_id in dataset.invoices:
            return PDF, tiny_pdf(f"Invoice {invoice_id}")
    return None


def _artwork(dataset, art_id, filename):
    kind = _strip(filename, ".svg")
    if art_id not in dataset.artwork_art or kind not in SIZES:
        return None
    product_name, colour = dataset.artwork_art[art_id]
    return SVG, artwork_svg(product_name, colour, kind)


def _strip(filename, suffix):
    return filename[: -len(suffix)] if filename.endswith(suffix) else None


def absolutize(value, origin):
    """A copy of `value` where every "/files/..." string becomes "<origin>/files/..."."""
    if isinstance(value, dict):
        return {key: absolutize(item, origin) for key, item in value.items()}
    if isinstance(value, list):
        return [absolutize(item, origin) for item in value]
    if isinstance(value, str) and value.startswith("/files/"):
        return origin + value
    return value
