"""Matching request paths against templates such as "/api/customers/{id}/orders"."""

from urllib.parse import unquote


def split_path(raw_path):
    """Percent-decode each segment on its own, so "a%2F..%2Fb" stays one segment."""
    segments = raw_path.split("/")[1:]
    if len(segments) > 1 and segments[-1] == "":
        segments.pop()  # tolerate one trailing slash
    return [unquote(segment) for segment in segments]


def match(templates, segments):
    """(template, params) for the first template that fits, else (None, {})."""
    for template in templates:
        params = _fit(template.split("/")[1:], segments)
        if params is not None:
            return template, params
    return None, {}


def _fit(pattern, segments):
    if len(pattern) != len(segments):
        return None
    params = {}
    for part, segment in zip(pattern, segments):
        if part.startswith("{"):
            if not segment:
                return None
            params[part[1:-1]] = segment
        elif part != segment:
            return None
    return params
