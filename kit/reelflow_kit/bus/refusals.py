"""Telling the sender of a command that it will never be applied, so nothing waits on it forever.

Two ways a command can die after the gateway answered 202: its consumer dead-letters it, or the
event that applied it is refused by the broker for good (its outbox entry is set aside). Either
way the owning service emits its CommandRejected for the command, which the gateway turns into
a failed outcome (GET shows why) and a waiting operation into a failure at its stage.
"""

from __future__ import annotations

from typing import Any

from reelflow_contracts.envelope import Envelope
from reelflow_contracts.messages.base import Command, Message
from reelflow_contracts.messages.common import DEAD_LETTERED, EVENT_REFUSED, CommandRejected

_REASON_CHARS = 1800


def dead_letter_rejection(envelope: Envelope[Message], error: str) -> CommandRejected | None:
    """The rejection of a dead-lettered command; None for an event (nobody waits on an answer)."""
    rejection_type = _rejection_type_for(envelope.topic)
    if not isinstance(envelope.data, Command) or rejection_type is None:
        return None
    return rejection_type(
        script_id=envelope.data.script_id,
        target_id=envelope.subject,
        command_id=envelope.id,
        command_type=envelope.type,
        code=DEAD_LETTERED,
        reason=f"could not be applied and was set aside: {error}"[:_REASON_CHARS],
    )


def refused_entry_rejection(entry: dict[str, Any], error: str) -> CommandRejected | None:
    """The rejection of what caused an outbox entry the broker refused for good; None when the
    entry is itself a rejection (one refused notice must not beget another)."""
    rejection_type = _rejection_type_for(entry["topic"])
    if rejection_type is None or entry.get("type") == rejection_type.ce_type:
        return None
    headers = {k: bytes(v).decode("utf-8", "replace") for k, v in entry["headers"]}
    return rejection_type(
        script_id=bytes(entry["key"]).decode(),
        target_id=headers["ce_subject"],
        command_id=headers.get("ce_causationid") or entry["_id"],
        command_type=entry.get("cause_type") or "unknown",
        code=EVENT_REFUSED,
        reason=f"applied, but its event {entry.get('type')} was refused by the bus: {error}"[:_REASON_CHARS],
    )


def _rejection_type_for(topic: str) -> type[CommandRejected] | None:
    service = topic.split(".", 1)[0]
    return next((sub for sub in CommandRejected.__subclasses__() if sub.topic.split(".", 1)[0] == service), None)
