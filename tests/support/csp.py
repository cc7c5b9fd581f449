"""What a page holds that a strict Content-Security-Policy (no 'unsafe-inline') blocks."""

from html.parser import HTMLParser

# <script> types browsers do not run: data blocks (json_script) are allowed inline.
DATA_SCRIPT_TYPES = ("application/json", "application/ld+json")


class _InlineCodeFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and "src" not in attrs and attrs.get("type") not in DATA_SCRIPT_TYPES:
            self._in_inline_script = True
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...> event handler")
            if name == "style":
                self.found.append(f"<{tag} style=...> attribute")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:...>")

    def handle_data(self, data):
        if self._in_inline_script and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]!r}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False


def inline_code(html):
    """Descriptions of each inline script, style, event handler or javascript: URL."""
    finder = _InlineCodeFinder()
    finder.feed(html)
    return finder.found
