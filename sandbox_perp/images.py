"""Generated artwork images (SVG) and tiny documents (PDF) the sandbox serves."""

from xml.sax.saxutils import escape

SIZES = {"thumbnail": (120, 90), "preview": (640, 480), "original": (2400, 1800)}


def artwork_svg(product_name, colour, kind):
    width, height = SIZES[kind]
    label = escape(product_name, {'"': "&quot;", "'": "&apos;"})
    font = max(8, width // 16)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
        f'<rect width="{width}" height="{height}" fill="{colour}"/>'
        f'<circle cx="{width * 3 // 4}" cy="{height // 3}" r="{height // 4}" fill="#ffffff" opacity="0.35"/>'
        f'<rect x="{width // 10}" y="{height * 6 // 10}" width="{width * 8 // 10}" '
        f'height="{height // 4}" rx="{height // 20}" fill="#000000" opacity="0.25"/>'
        f'<text x="{width // 2}" y="{height * 3 // 4}" font-family="sans-serif" font-size="{font}" '
        f'fill="#ffffff" text-anchor="middle">{label}</text>'
        "</svg>"
    ).encode("utf-8")


def tiny_pdf(title):
    """A one-page PDF with a correct xref table, showing `title` (ASCII only)."""
    text = title.encode("ascii", "replace").decode("ascii")
    text = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    content = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    return _assemble_pdf(objects)


def _assemble_pdf(objects):
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    return bytes(out)
