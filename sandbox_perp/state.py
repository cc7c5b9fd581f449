"""What every request handler of one sandbox server shares."""

from dataclasses import dataclass

from .faults import FaultState
from .stats import CallCounter, CallLog


@dataclass
class SandboxState:
    key: str
    faults: FaultState
    counter: CallCounter
    verbose: bool = False
    call_log: CallLog | None = None  # None unless the server was started with log_calls
