"""Actions on platforms through one platform-neutral port (send, warn, mute, remove, blacklist, joins,
invite links): a live gateway carries them out; for groups known only from exports they are recorded as
recommendations for a human. Every action is written to `actions` and to the audit log with who and why.
"""

from qunops.actions.audit import audit, audit_entries
from qunops.actions.model import (
    ActionKind,
    ActionOutcome,
    ActionPort,
    ActionRequest,
    ActionState,
    Actor,
    Gateway,
    GatewayError,
    PlatformTarget,
)
from qunops.actions.ports import (
    EXPORT_ONLY,
    ActionError,
    GatewayPort,
    Ports,
    RecordingPort,
    mark_recommendation,
    request_action,
)

__all__ = [
    "EXPORT_ONLY",
    "ActionError",
    "ActionKind",
    "ActionOutcome",
    "ActionPort",
    "ActionRequest",
    "ActionState",
    "Actor",
    "Gateway",
    "GatewayError",
    "GatewayPort",
    "PlatformTarget",
    "Ports",
    "RecordingPort",
    "audit",
    "audit_entries",
    "mark_recommendation",
    "request_action",
]
