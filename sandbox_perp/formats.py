"""How amounts and dates are written in PERP payloads.

Most amounts are "149.50" strings and most dates carry "Z" or an offset; a
deterministic few are JSON numbers or naive datetimes so clients must tolerate both.
"""

from datetime import datetime, timedelta, timezone

_OFFSET = timezone(timedelta(hours=-5))


def money(cents, as_number=False):
    if as_number:
        return round(cents / 100, 2)
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"


def date_style(index):
    """Pick how record number `index` writes its dates: mostly "Z", some offsets, few naive."""
    if index % 11 == 3:
        return "naive"
    if index % 5 == 2:
        return "offset"
    return "z"


def stamp(moment, style="z"):
    if moment is None:
        return None
    utc = moment.astimezone(timezone.utc).replace(microsecond=0)
    if style == "naive":
        return utc.replace(tzinfo=None).isoformat()
    if style == "offset":
        return utc.astimezone(_OFFSET).isoformat()
    return utc.replace(tzinfo=None).isoformat() + "Z"


def now_stamp():
    return stamp(datetime.now(timezone.utc))
