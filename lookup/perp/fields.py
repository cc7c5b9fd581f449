"""Tolerant readers for PERP's JSON: the boundary where raw dicts become typed values.

Each model in lookup.perp.models declares ONE table, `RULES`: for every documented
field, the rule that reads it (text, an amount, a moment, a nested object, a list...)
and whether PERP_API.md marks it optional (`?`). `parse` reads a record with its table.

Only what a section cannot exist without is essential: the record's own id, and the
shape of `data` (a list where a list is documented). Those raise ShapeError, which the
client reports as a bad response. Any other field that does not read as its documented
type is kept as PERP's text (`AsSent`) and its path is reported, never its value; a
list item that is not an object is dropped and reported the same way.

Every top-level record carries a FieldReport: which required fields were missing,
which could not be read, and which PERP added (see PERP_API.md, "Unknowns").
"""

import html
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation

MAX_DIGITS = 18  # digits before the point in any amount or count PERP can mean
MAX_NUMBER_TEXT = 64  # characters: longer "amounts" are not amounts
MAX_SENT_TEXT = 200  # characters of a non-text value (an object, a list) kept as text
MAX_EXTRA_PATHS = 100  # undocumented field paths reported per record
# A moment whose UTC equivalent falls outside these years cannot be shown in every zone.
FIRST_YEAR, LAST_YEAR = 2, 9998

# 1234.5, 1,234.50, -12, .5: a point for decimals, commas only as thousands separators.
AMOUNT_TEXT = re.compile(r"[+-]?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)?(?:\.[0-9]+)?", re.ASCII)
BARE_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
# Flags as JSON or as numbers; anything else ("Y", "yes") is shown as PERP's text, marked.
TRUE_TEXT, FALSE_TEXT = frozenset({"true", "1"}), frozenset({"false", "0"})


class ShapeError(ValueError):
    """PERP's data lacks what a section cannot exist without: its id, or its shape.

    `fields`: what was learnt of the data before giving up (a FieldReport).
    """

    def __init__(self, message, fields=None):
        super().__init__(message)
        self.fields = fields if fields is not None else FieldReport()


class _Unreadable(Exception):
    """A value is not its documented type: it is kept as PERP's text."""


class AsSent(str):
    """A value PERP sent that could not be read as its documented type, as PERP's text.

    It is a str, so text operations on it work; it renders (through __html__, which
    Django's escaping honours) as its escaped text, marked "as sent by PERP".
    `expected` says what it should have been, e.g. "an amount".
    """

    def __new__(cls, text, expected="its documented type"):
        value = super().__new__(cls, text)
        value.expected = expected
        return value

    def __reduce__(self):
        return (AsSent, (str(self), self.expected))

    def __repr__(self):
        return f"AsSent({str.__repr__(self)})"

    @property
    def title(self):
        return f"As sent by PERP: perpdesk could not read it as {self.expected}"

    def __html__(self):
        return (
            f'<span class="pd-as-sent" title="{html.escape(self.title)}">'
            f"{html.escape(str(self))}</span>"
        )


@dataclass(frozen=True)
class FieldReport:
    """What a PERP record held beyond what the contract promises. Paths are dotted
    (`billing_address.city`, `line_items[].quantity`); never values."""

    missing: tuple[str, ...] = ()  # required fields absent or null
    unreadable: tuple[str, ...] = ()  # kept as PERP's text, or (lists' items) dropped
    extra: tuple[str, ...] = ()  # fields the contract does not document


class _Report:
    """A FieldReport being gathered while a record is read."""

    def __init__(self):
        self.missing, self.unreadable, self.extra = {}, {}, {}
        self.broken = ""  # why the record cannot exist (its id), if it cannot

    def add_extra(self, path):
        if len(self.extra) < MAX_EXTRA_PATHS:
            self.extra[path] = None

    def merge(self, report, prefix):
        for mine, theirs in (
            (self.missing, report.missing),
            (self.unreadable, report.unreadable),
        ):
            mine.update(dict.fromkeys(prefix + path for path in theirs))
        for path in report.extra:
            self.add_extra(prefix + path)

    def freeze(self):
        return FieldReport(tuple(self.missing), tuple(self.unreadable), tuple(self.extra))


# --- Reading single values ------------------------------------------------------------


def read_text(value):
    if isinstance(value, str):
        return value if value.isascii() else _clean(value)
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return str(value)
        except ValueError:  # more digits than Python will write out
            raise _Unreadable from None
    raise _Unreadable


def read_amount(value):
    """A finite Decimal of sane size, never through float arithmetic.

    "1,234.50" is read; "1.234,50" (which could mean either) is not. The size bound
    matters: "1e999999999" is a valid Decimal, but formatting it would take the
    process down.
    """
    if isinstance(value, bool):
        raise _Unreadable
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))  # the shortest text that is this float
    elif isinstance(value, str):
        amount = _amount_from_text(value.strip())
    else:
        raise _Unreadable
    if not amount.is_finite() or amount.adjusted() > MAX_DIGITS:
        raise _Unreadable
    return amount


def _amount_from_text(text):
    if len(text) > MAX_NUMBER_TEXT or not AMOUNT_TEXT.fullmatch(text) or not text.strip("+-."):
        raise _Unreadable
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise _Unreadable from None


def read_percentage(value):
    """40, 40.0, "40", "40%": clamped to 0-100 for a progress bar."""
    if isinstance(value, str):
        value = value.strip().removesuffix("%")
    amount = read_amount(value)
    if 0 <= amount <= 100:
        return amount  # as PERP sent it: "40.0" stays 40.0
    return Decimal(0) if amount < 0 else Decimal(100)


def read_count(value):
    """2, 2.0, "2", "1,200": a whole number; 2.5 is not a count."""
    amount = read_amount(value)
    if amount != amount.to_integral_value():
        raise _Unreadable
    return int(amount)


def read_flag(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE_TEXT | FALSE_TEXT:
        return value.strip().lower() in TRUE_TEXT
    raise _Unreadable


def read_moment(value):
    """A bare date stays a `date`; anything with a time becomes an aware datetime.

    ISO 8601 with "T" or a space, with or without a zone or a fraction. A time
    without a zone is taken as UTC: PERP's zone for such values is unknown.
    """
    if not isinstance(value, str):
        raise _Unreadable
    text = value.strip()
    try:
        if BARE_DATE.fullmatch(text):
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        year = moment.astimezone(timezone.utc).year
    except (ValueError, OverflowError):
        raise _Unreadable from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise _Unreadable
    return moment


def _clean(text):
    """PERP's text, minus lone surrogates (JSON allows them; no page could be encoded)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def sent_text(value):
    """Any JSON value as the text PERP sent: strings as they are, others as JSON."""
    if isinstance(value, str):
        return _clean(value)
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (ValueError, TypeError, RecursionError):
        return f"(a {type(value).__name__} perpdesk cannot show)"
    text = _clean(text)
    return text if len(text) <= MAX_SENT_TEXT else text[: MAX_SENT_TEXT - 1] + "…"


# --- Rules: one per documented field ------------------------------------------------


class Rule:
    """How one documented field is read. `required`: PERP_API.md does not mark it `?`."""

    empty = None  # the value when the field is absent or null

    def __init__(self, *, required=True):
        self.required = required

    def take(self, data, name, report, path):
        value = data.get(name)
        if value is None:
            if self.required:
                report.missing[path] = None
            return self.absent(report, path)
        return self.read(value, report, path)

    def absent(self, report, path):
        return self.empty

    def read(self, value, report, path):
        raise NotImplementedError


class Scalar(Rule):
    def __init__(self, reader, expected, *, required=True, empty=None, blank_is_empty=True):
        super().__init__(required=required)
        self.reader, self.expected, self.empty = reader, expected, empty
        self.blank_is_empty = blank_is_empty

    def take(self, data, name, report, path):
        # Rule.take with a short way for plain text, most of what PERP sends.
        value = data.get(name)
        if value is None:
            if self.required:
                report.missing[path] = None
            return self.empty
        if value.__class__ is str and self.reader is read_text and value.isascii():
            return value
        return self.read(value, report, path)

    def read(self, value, report, path):
        if self.blank_is_empty and isinstance(value, str) and not value.strip():
            return self.empty
        try:
            return self.reader(value)
        except _Unreadable:
            report.unreadable[path] = None
            return AsSent(sent_text(value), self.expected)


class Identifier(Rule):
    """The record's own id: without it the record cannot be shown (or linked to)."""

    def absent(self, report, path):
        report.broken = report.broken or f"{path} is missing"

    def read(self, value, report, path):
        try:
            text = read_text(value)
        except _Unreadable:
            text = ""
            report.unreadable[path] = None
        if not text.strip():
            report.unreadable[path] = None
            report.broken = report.broken or f"{path} is not an id"
        return text


class Nested(Rule):
    """An object of the documented `model`; anything else is kept as PERP's text."""

    def __init__(self, model, *, required=True, expected="an object"):
        super().__init__(required=required)
        self.model, self.expected = model, expected

    def read(self, value, report, path):
        if not isinstance(value, dict):
            report.unreadable[path] = None
            return AsSent(sent_text(value), self.expected)
        return read_object(self.model, value, report, path + ".")


class Items(Rule):
    """A list of the documented `model`. An item that is not an object (or, for a list
    of records, lacks its id) is dropped and reported as `path[]`. `essential`: the
    list is `data`'s documented shape, so a missing or non-list one fails the call."""

    def __init__(self, model, *, required=True, essential=False):
        super().__init__(required=required)
        self.model, self.essential = model, essential

    def absent(self, report, path):
        if self.essential:
            raise ShapeError(f"{path} is missing", report.freeze())
        return []

    def read(self, value, report, path):
        if not isinstance(value, list):
            report.unreadable[path] = None
            if self.essential:
                raise ShapeError(f"{path} is not a list", report.freeze())
            return []
        return [item for item in (self._item(raw, report, path) for raw in value) if item is not None]

    def _item(self, raw, report, path):
        if not isinstance(raw, dict):
            report.unreadable[path + "[]"] = None
            return None
        if not is_record(self.model):
            return read_object(self.model, raw, report, path + "[].")
        try:
            record = self.model.from_json(raw)
        except ShapeError as e:
            report.merge(e.fields, path + "[].")
            report.unreadable[path + "[]"] = None
            return None
        report.merge(record.fields, path + "[].")
        return record


def text(*, required=True):
    return Scalar(read_text, "text", required=required, blank_is_empty=False)


def amount(*, required=True):
    return Scalar(read_amount, "an amount", required=required)


def percentage(*, required=True):
    return Scalar(read_percentage, "a percentage", required=required)


def count(*, required=True, expected="a whole number"):
    return Scalar(read_count, expected, required=required)


def flag(*, required=True):
    return Scalar(read_flag, "true or false", required=required, empty=False)


def moment(*, required=True):
    return Scalar(read_moment, "a date", required=required)


# --- Reading records ------------------------------------------------------------------


def is_record(model):
    """A top-level record (it carries its own FieldReport), not a part of one."""
    return "fields" in getattr(model, "__dataclass_fields__", {})


def read_object(model, data, report, prefix):
    """An instance of `model` (a part of a record) from its RULES table."""
    rules = model.RULES
    values = {name: rule.take(data, name, report, prefix + name) for name, rule in rules.items()}
    for key in data:
        if key not in rules:
            report.add_extra(prefix + _key_text(key))
    return model(**values)


def parse(model, data):
    """A top-level record of `model` from PERP's `data` object, with its FieldReport.

    Raises ShapeError (carrying what was learnt) when the record's id is unusable.
    """
    values, extra, report = read_fields(model.RULES, data)
    fields = report.freeze()
    if report.broken:
        raise ShapeError(report.broken, fields)
    return model(**values, extra=extra, fields=fields)


def read_fields(rules, data):
    """A top-level object's values by its `rules`, its undocumented fields, and a report."""
    report = _Report()
    values = {name: rule.take(data, name, report, name) for name, rule in rules.items()}
    extra = {key: value for key, value in data.items() if key not in rules}
    for key in extra:
        report.add_extra(_key_text(key))
    return values, extra, report


def not_shown(record):
    """The record's own lists (not its parts') that a page cannot show as PERP's text:
    a list that was not a list (`line_items`), or items dropped from one (`line_items[]`)."""
    rules = getattr(type(record), "RULES", {})
    return tuple(
        path for path in record.unread
        if "." not in path and (path.endswith("[]") or isinstance(rules.get(path), Items))
    )


def _key_text(key):
    key = _clean(key)
    return key if len(key) <= 64 else key[:63] + "…"
