"""VIP wallet payloads: cash-back credits and redemptions whose sum is the balance."""

from datetime import timedelta

from .catalog import CASHBACK_PERCENT
from .constants import ANCHOR
from .formats import date_style, money, stamp

WELCOME_BONUS_CENTS = 1000


def wallet_payload(rng, plan, orders):
    """None when the customer has no wallet (the endpoint answers 404)."""
    if not plan.has_wallet:
        return None
    events = _events(rng, plan, orders) if plan.vip_tier else []
    events.sort(key=lambda event: event[0], reverse=True)
    style = date_style(plan.number)
    return {
        "customer_id": plan.customer_id,
        "balance": money(sum(cents for _, cents, _ in events)),
        "currency": "USD",
        "last_transaction_date": stamp(events[0][0], style) if events else None,
        "transactions": [_transaction(plan, len(events) - n, event, style) for n, event in enumerate(events)],
    }


def _events(rng, plan, orders):
    """(date, signed cents, description) tuples; a debit never exceeds the balance before it."""
    events = [(plan.created_at + timedelta(days=1), WELCOME_BONUS_CENTS, "VIP welcome bonus")]
    balance = WELCOME_BONUS_CENTS
    percent = CASHBACK_PERCENT[plan.vip_tier]
    shipped = sorted((o for o in orders if o.actual_ship), key=lambda o: o.actual_ship)
    for order in shipped:
        credit_date = order.actual_ship + timedelta(days=1)
        if credit_date > ANCHOR:
            continue
        cashback = order.total_cents * percent // 100
        events.append((credit_date, cashback, f"{percent}% cash-back on {order.order_number}"))
        balance += cashback
        debit_date = credit_date + timedelta(days=rng.randint(1, 20))
        if balance >= 500 and debit_date < ANCHOR and rng.random() < 0.35:
            debit = rng.randint(balance // 4, balance)
            events.append((debit_date, -debit, "Store credit redeemed at checkout"))
            balance -= debit
    return events


def _transaction(plan, number, event, style):
    """`number` counts from the oldest transaction, so ids read chronologically."""
    date, cents, description = event
    return {
        "transaction_id": f"TXN-{plan.number}-{number:03d}",
        "type": "credit" if cents >= 0 else "debit",
        "amount": money(abs(cents), as_number=plan.number % 4 == 1 and number % 3 == 0),
        "description": description,
        "date": stamp(date, style),
    }
