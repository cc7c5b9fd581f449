"""A PERP answer's body, read within bounds: its size after decompression, its nesting.

The body is read in chunks as it arrives (requests' stream=True), decompressed a chunk
at a time, and refused as soon as it passes the size limit: a very large answer, or a
small compressed one that inflates, never sits whole in memory.
"""

import json

CHUNK_BYTES = 64 * 1024

# PERP's deepest documented answer (envelope > data > page > orders > order > items >
# item > a field's value) is under ten levels; 32 leaves room for whatever PERP adds
# that perpdesk does not read, and refuses junk nested thousands deep, which json
# would only meet with a RecursionError, after a long time.
MAX_JSON_DEPTH = 32

_NOT_STRUCTURE = bytes(sorted(set(range(256)) - set(b'"[]{}')))

class TooLarge(Exception):
    pass


class NotJSON(ValueError):
    pass


def read_capped(response, limit):
    """The decoded body of a streamed requests response, or TooLarge past `limit` bytes."""
    body = bytearray()
    for chunk in response.iter_content(CHUNK_BYTES):
        body += chunk
        if len(body) > limit:
            raise TooLarge(f"answer over {limit} bytes")
    return body


def parse_json(body):
    """The JSON value of `body` (bytes), or NotJSON; nesting past MAX_JSON_DEPTH is refused
    before parsing."""
    if nested_deeper_than(body, MAX_JSON_DEPTH):
        raise NotJSON(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
        raise NotJSON("body is not JSON") from e


def nested_deeper_than(body, depth):
    """True when arrays and objects nest past `depth` (brackets inside strings aside).

    Linear passes of bytes methods, all in C (a 50 kB answer takes a fraction of its
    parse). Only quotes and brackets are kept; two quotes side by side then enclose no
    bracket, whichever string they open or close, so they go, and what is left between
    quotes is inside strings. Each pass then removes every innermost [] and {}: a body
    with brackets left after `depth` passes nests deeper.
    """
    text = bytes(body)
    if b"\\" in text:  # escaped backslashes, then escaped quotes: every quote left is a delimiter
        text = text.replace(b"\\\\", b"").replace(b'\\"', b"")
    text = text.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in text:  # strings with brackets inside
        text = b"".join(text.split(b'"')[::2])
    for _ in range(depth):
        if not text:
            return False
        inner_removed = text.replace(b"[]", b".").replace(b"{}", b".").replace(b".", b"")
        if len(inner_removed) == len(text):  # unbalanced: too deep if json would open more than `depth`
            return text.count(b"[") + text.count(b"{") > depth
        text = inner_removed
    return bool(text)
