"""HTML as a person or a browser reads it: elements with their text, attributes and
classes, parsed with Python's html.parser, so tests assert what is shown, not markup."""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})


@dataclass
class Element:
    tag: str
    attrs: dict = field(default_factory=dict)
    children: list = field(default_factory=list)  # Elements and strings

    @property
    def text(self):
        """The text a person reads, spaces collapsed (what the browser's textContent shows)."""
        return re.sub(r"\s+", " ", self._raw_text()).strip()

    def _raw_text(self):
        return "".join(child if isinstance(child, str) else child._raw_text() for child in self.children)

    @property
    def classes(self):
        return set((self.attrs.get("class") or "").split())

    @property
    def href(self):
        return self.attrs.get("href")

    def get(self, name, default=None):
        return self.attrs.get(name, default)

    def find_all(self, tag=None, *, cls=None):
        """Every element below this one (depth first) with this tag and/or class."""
        found = []
        for child in self.children:
            if isinstance(child, Element):
                if (tag is None or child.tag == tag) and (cls is None or cls in child.classes):
                    found.append(child)
                found.extend(child.find_all(tag, cls=cls))
        return found

    def find(self, tag=None, *, cls=None):
        """The first such element; fails the test when there is none."""
        found = self.find_all(tag, cls=cls)
        assert found, f"no <{tag or '*'}{f' class={cls}' if cls else ''}> in {self.text!r}"
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document")
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: "" if value is None else value for name, value in attrs})
        self.open[-1].children.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.open[-1].children.append(Element(tag, {name: "" if value is None else value for name, value in attrs}))

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data):
        self.open[-1].children.append(data)


def parse(html):
    """The document (or fragment) `html`, as a tree of Elements."""
    builder = _TreeBuilder()
    builder.feed(str(html))
    builder.close()
    return builder.root


def text_of(html):
    return parse(html).text


def links_in(html):
    return parse(html).find_all("a")


def notices_in(html):
    """{section name: what its failure notice says}, from each section's alert."""
    notices = {}
    for notice in parse(html).find_all("p", cls="pd-error"):
        names = notice.find_all("strong")
        if names:
            notices[names[0].text.removesuffix(":")] = notice.text.removeprefix(names[0].text).strip()
    return notices


AS_SENT_TITLE = "As sent by PERP: perpdesk could not read it as "


def as_sent_in(html):
    """The values shown marked "as sent by PERP": [(their text, what they should have been)].
    `html`: a page, or a value as a template would render it (an AsSent's own markup)."""
    markup = html.__html__() if hasattr(html, "__html__") else html
    return [
        (span.text, span.get("title", "").removeprefix(AS_SENT_TITLE))
        for span in parse(markup).find_all("span", cls="pd-as-sent")
    ]
