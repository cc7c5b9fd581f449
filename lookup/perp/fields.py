"""Tolerant readers for PERP's JSON: the boundary where raw dicts become typed values.

PERP may omit optional fields, send amounts as numbers or strings, dates with or
without a time zone, and add fields of its own (see PERP_API.md, "Unknowns").
Anything that cannot be read as its documented type raises ShapeError, which the
client reports as a bad response naming the endpoint.
"""

from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation


MAX_DIGITS = 18  # digits before the point in any amount or count PERP can mean


class ShapeError(ValueError):
    """PERP's data does not have the documented shape."""


def obj(value, what):
    if not isinstance(value, dict):
        raise ShapeError(f"{what} is not an object")
    return value


def text(data, key, *, required=False):
    value = data.get(key)
    if value is None:
        if required:
            raise ShapeError(f"{key} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ShapeError(f"{key} is not text")
    return str(value)


def identifier(data, key):
    value = text(data, key, required=True)
    if not value.strip():
        raise ShapeError(f"{key} is empty")
    return value


def money(data, key):
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ShapeError(f"{key} is not an amount")
    amount = _decimal(value)
    if amount is None:
        raise ShapeError(f"{key} is not an amount")
    return amount


def number(data, key):
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ShapeError(f"{key} is not a number")
    amount = _decimal(value)
    if amount is None:
        raise ShapeError(f"{key} is not a number")
    return int(amount)


def _decimal(value):
    """A finite Decimal of sane size, or None.

    The size bound matters: "1e999999999" is a valid Decimal, but turning it into an
    int or formatting it would take the process down.
    """
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount.adjusted() > MAX_DIGITS:
        return None
    return amount


def percentage(data, key):
    amount = money(data, key)
    return None if amount is None else max(Decimal(0), min(Decimal(100), amount))


def flag(data, key):
    value = data.get(key)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    if isinstance(value, int):
        return bool(value)
    raise ShapeError(f"{key} is not true or false")


def when(data, key):
    """A date-only string stays a `date`; anything with a time becomes an aware datetime.

    A time without a zone is taken as UTC: PERP's zone for such values is unknown.
    """
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ShapeError(f"{key} is not a date")
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ShapeError(f"{key} is not a date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def items(data, key, parse_item):
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ShapeError(f"{key} is not a list")
    return [parse_item(obj(item, f"an item of {key}")) for item in value]


def nested(data, key, parse_value):
    value = data.get(key)
    if value is None:
        return None
    return parse_value(obj(value, key))


def extra(data, known):
    """Fields PERP sent that the contract does not document: kept, never used in logic."""
    return {key: value for key, value in data.items() if key not in known}
