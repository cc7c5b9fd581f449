"""ProductionStatus payloads: five stages whose statuses follow the order status."""

from datetime import timedelta

from .catalog import PRODUCTION_STAGES
from .constants import ANCHOR
from .formats import stamp

HOLD_NOTES = [
    "Waiting for customer to approve revised artwork.",
    "Paper stock delayed by supplier; expected in 2 days.",
    "Payment verification pending.",
]
# status of the stage at the progress point, by order status (None: all stages done)
CURRENT_STAGE_STATUS = {
    "pending": "pending", "in_production": "in_progress", "on_hold": "on_hold",
    "cancelled": "cancelled", "ready_to_ship": None, "shipped": None, "delivered": None,
}


def production_payload(draft, rng):
    done = _completed_stage_count(draft, rng)
    current = CURRENT_STAGE_STATUS[draft.status]
    stages = _stages(draft, done, current)
    payload = {
        "order_id": draft.order_id,
        "order_number": draft.order_number,
        "overall_status": draft.status,
        "completion_percentage": done * 100 // len(PRODUCTION_STAGES),
        "current_stage": PRODUCTION_STAGES[min(done, len(PRODUCTION_STAGES) - 1)][0],
        "stages": stages,
        "estimated_ship_date": stamp(draft.estimated_ship, draft.style),
        "notes": _notes(draft, rng),
    }
    if payload["notes"] is None and draft.seq % 2:
        del payload["notes"]
    return payload


def _completed_stage_count(draft, rng):
    current = CURRENT_STAGE_STATUS[draft.status]
    if current is None:
        return len(PRODUCTION_STAGES)
    if current == "pending":
        return 0
    return rng.randint(0, 3)


def _stages(draft, done, current):
    start = draft.order_date + timedelta(hours=1)
    end = draft.actual_ship or ANCHOR
    slot = max(end - start, timedelta(hours=1)) / (done + 1)
    stages = []
    for index, (name, display) in enumerate(PRODUCTION_STAGES):
        status = "completed" if index < done else (current if index == done else "pending")
        if current == "cancelled" and index > done:
            status = "cancelled"
        stage = {"stage_name": name, "stage_display": display, "status": status,
                 "started_at": None, "completed_at": None, "estimated_completion": None}
        if status in ("completed", "in_progress", "on_hold"):
            stage["started_at"] = start + slot * index
        if status == "completed":
            stage["completed_at"] = start + slot * (index + 0.8)
        if status in ("in_progress", "pending"):
            stage["estimated_completion"] = ANCHOR + timedelta(days=index - done + 1)
        stages.append({k: stamp(v, draft.style) if k in _DATE_KEYS else v for k, v in stage.items()})
    return stages


_DATE_KEYS = ("started_at", "completed_at", "estimated_completion")


def _notes(draft, rng):
    if draft.status == "on_hold":
        return rng.choice(HOLD_NOTES)
    if draft.status == "cancelled":
        return "Order cancelled at the customer's request."
    return None
