"""The VIP wallet's balance over time, as points for a small server-rendered SVG.

PERP gives the current balance and the transactions; walking the transactions back
from the current balance gives the balance after each one. The chart is a step line
(a balance holds until the next transaction) from the first transaction to now.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal

from django.utils import timezone as django_timezone

WIDTH = 320
HEIGHT = 96
PAD = 4


@dataclass(frozen=True)
class BalancePoint:
    moment: datetime
    balance: Decimal


@dataclass(frozen=True)
class Chart:
    line: str  # <polyline points="...">
    area: str  # <polygon points="..."> under the line
    baseline_y: float  # where a balance of 0 is (or the bottom)
    start: BalancePoint  # balance before the first transaction
    end: BalancePoint  # the balance now
    low: Decimal
    high: Decimal
    transactions: int
    width: int = WIDTH
    height: int = HEIGHT


def signed_amount(transaction):
    """A transaction's effect on the balance: debits take away, credits add."""
    amount = transaction.amount
    if not isinstance(amount, Decimal):
        return amount  # None, or PERP's text: nothing to compute with
    kind = str(transaction.type or "").lower()
    if kind == "debit":
        return -abs(amount)
    if kind == "credit":
        return abs(amount)
    return amount  # an unknown type: trust the sign PERP gave


def balance_history(wallet, now=None):
    """The balance before the first transaction, after each one, and now; oldest first."""
    if wallet is None or not isinstance(wallet.balance, Decimal) or _any_unread(wallet.transactions):
        return []  # a history missing a transaction PERP sent would be wrong
    dated = [t for t in wallet.transactions if t.date is not None and t.amount is not None]
    dated.sort(key=lambda t: _as_datetime(t.date))
    balance = wallet.balance
    after_each = []
    for transaction in reversed(dated):
        after_each.append(BalancePoint(_as_datetime(transaction.date), balance))
        balance -= signed_amount(transaction)
    if not after_each:
        return []
    after_each.reverse()
    now = max(now or django_timezone.now(), after_each[-1].moment)
    return [BalancePoint(after_each[0].moment, balance), *after_each, BalancePoint(now, wallet.balance)]


def wallet_chart(wallet, now=None):
    """A Chart of the wallet's balance, or None when there is no history to draw."""
    history = balance_history(wallet, now)
    if len(history) < 2:
        return None
    balances = [point.balance for point in history]
    low, high = min(balances), max(balances)
    scale = _Scale(history[0].moment, history[-1].moment, min(low, Decimal(0)), max(high, Decimal(0)))
    line = _step_line(history, scale)
    baseline = scale.y(Decimal(0))
    area = [(line[0][0], baseline), *line, (line[-1][0], baseline)]
    return Chart(
        line=_points(line),
        area=_points(area),
        baseline_y=baseline,
        start=history[0],
        end=history[-1],
        low=low,
        high=high,
        transactions=len(history) - 2,
    )


class _Scale:
    def __init__(self, first, last, low, high):
        self.first = first.timestamp()
        self.span = max(last.timestamp() - self.first, 1.0)
        self.low = low
        self.range = (high - low) or Decimal(1)

    def x(self, moment):
        return PAD + (moment.timestamp() - self.first) / self.span * (WIDTH - 2 * PAD)

    def y(self, balance):
        share = float((balance - self.low) / self.range)
        return HEIGHT - PAD - share * (HEIGHT - 2 * PAD)


def _step_line(history, scale):
    points = [(scale.x(history[0].moment), scale.y(history[0].balance))]
    for point in history[1:]:
        x = scale.x(point.moment)
        points.append((x, points[-1][1]))  # the previous balance holds until now
        points.append((x, scale.y(point.balance)))
    return points


def _points(pairs):
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in pairs)


def _any_unread(transactions):
    """True when an amount or date is PERP's text (lookup.perp.fields.AsSent, a str)."""
    return any(isinstance(t.amount, str) or isinstance(t.date, str) for t in transactions)


def _as_datetime(moment):
    if isinstance(moment, datetime):
        return moment
    if isinstance(moment, date):
        return datetime.combine(moment, time.min, tzinfo=timezone.utc)
    raise TypeError(moment)
