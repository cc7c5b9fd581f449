"""Artwork payloads: one item per line item, with review dates matching its status."""

from datetime import timedelta

from .constants import ANCHOR
from .formats import stamp
from .images import SIZES, artwork_svg, tiny_pdf

DEFAULT_CHOICES = {
    "pending": ("pending", "submitted", "revision_requested", "approved"),
    "on_hold": ("revision_requested", "rejected", "approved"),
    "cancelled": ("rejected", "approved"),
}
REVIEW_NOTES = {
    "rejected": "Image resolution too low (72 dpi); please resubmit at 300 dpi.",
    "revision_requested": "Bleed missing on all edges; please add 0.125 in bleed.",
    "approved": None, "submitted": None, "pending": None,
}
DPI = {"thumbnail": 72, "preview": 150, "original": 300}


def artwork_id(line):
    return f"ART-{line.number}"


def artwork_payload(draft, rng):
    statuses = draft.spec.artwork_statuses or [_default_status(draft, rng) for _ in draft.lines]
    items = [_item(draft, line, status, rng) for line, status in zip(draft.lines, statuses)]
    return {"order_id": draft.order_id, "artwork_items": items}


def _default_status(draft, rng):
    return rng.choice(DEFAULT_CHOICES.get(draft.status, ("approved",)))


def _item(draft, line, status, rng):
    art_id = artwork_id(line)
    submitted = draft.order_date + timedelta(minutes=30)
    reviewed = None if status in ("pending", "submitted") else submitted + min(
        timedelta(minutes=20), (ANCHOR - submitted) / 2)
    item = {
        "artwork_id": art_id,
        "line_item_id": line.line_item_id,
        "product_name": line.product_name,
        "status": status,
        "submitted_date": stamp(submitted, draft.style),
        "reviewed_date": stamp(reviewed, draft.style),
        "approved_date": stamp(reviewed, draft.style) if status == "approved" else None,
        "rejected_date": stamp(reviewed, draft.style) if status == "rejected" else None,
        "revision_requested_date": stamp(reviewed, draft.style) if status == "revision_requested" else None,
        "notes": REVIEW_NOTES[status],
        "files": {kind: _file(art_id, line, kind) for kind in ("original", "preview", "thumbnail")},
        "proof_sheet": _proof(art_id, reviewed, draft.style, rng) if reviewed else None,
    }
    if draft.seq % 3 == 0:  # sometimes optional fields are absent rather than null
        item = {key: value for key, value in item.items() if value is not None}
    return item


def _file(art_id, line, kind):
    width, height = SIZES[kind]
    info = {
        "url": f"/files/artwork/{art_id}/{kind}.svg",
        "filename": f"{art_id.lower()}-{kind}.svg",
        "file_size": len(artwork_svg(line.product_name, line.colour, kind)),
        "dpi": DPI[kind],
        "format": "SVG",
        "width": width,
        "height": height,
    }
    if kind == "original" and line.number % 4 == 0:
        del info["width"], info["height"]
    return info


def _proof(art_id, reviewed, style, rng):
    return {
        "url": f"/files/proofs/{art_id}.pdf",
        "filename": f"{art_id.lower()}-proof.pdf",
        "file_size": len(tiny_pdf(proof_title(art_id))),
        "generated_date": stamp(reviewed, style),
        "includes_mockup": rng.random() < 0.5,
    }


def proof_title(art_id):
    return f"Proof sheet {art_id}"
