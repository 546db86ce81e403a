"""The process manager: every event of an operation's script moves it on, by commands only."""

from __future__ import annotations

import json
from collections import OrderedDict

from reelflow_contracts.messages.base import Message
from reelflow_gateway.costs import PriceList
from reelflow_gateway.operations.domain import HANDLED_EVENTS
from reelflow_gateway.operations.events import state_event
from reelflow_gateway.operations.public import webhook_summary
from reelflow_gateway.operations.unit_of_work import OperationsUnitOfWork
from reelflow_gateway.operations.webhook_job import DELIVER_WEBHOOK
from reelflow_kit.clock import now
from reelflow_kit.handling import Handler
from reelflow_kit.unit_of_work import message_handlers

OPERATIONS_GROUP = "gateway-operations"


class Undriven:
    """Scripts known to have no running operation, so their events cost no query at all.

    Safe to remember: an operation's script id is new (uuid4) and its document is committed with
    the first command for that script, so no event of the script can come before it; and an
    operation that ended (completed, cancelled) never runs again. Bounded: oldest forgotten first.
    """

    def __init__(self, capacity: int = 100_000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._capacity = capacity

    def skips(self, event) -> bool:
        return event.script_id in self._ids

    def add(self, script_id: str) -> None:
        self._ids[script_id] = None
        if len(self._ids) > self._capacity:
            self._ids.popitem(last=False)


def script_event_handler(undriven: Undriven, prices: PriceList):
    async def on_script_event(event: Message, uow: OperationsUnitOfWork) -> None:
        if not await uow.operations.drives(event.script_id):
            undriven.add(event.script_id)  # not driven by an operation, or its operation ended
            return
        await advance(event, uow, prices)

    return on_script_event


async def advance(event: Message, uow: OperationsUnitOfWork, prices: PriceList) -> None:
    """The operation of the event's script takes the event: its commands and state change, at once."""
    async with uow:
        stored = await uow.operations.of_script(event.script_id)
        assert stored is not None, "drives() found the script's operation, and operations are never deleted"
        op = stored.operation
        before = (op.status, op.stage, op.waiting_for, json.dumps(op.progress()))
        at = now()
        for command in op.apply(event, at):
            uow.emit(command)
        await uow.operations.save(stored)
        if (op.status, op.stage, op.waiting_for, json.dumps(op.progress())) != before:
            uow.emit(state_event(op, at, prices))
        if op.status in ("completed", "failed") and stored.webhook_url:
            await uow.enqueue(
                DELIVER_WEBHOOK,
                f"webhook/{op.id}/{op.status}/{len(op.errors)}",
                {
                    "operation_id": op.id,
                    "owner_id": op.owner_id,
                    "url": stored.webhook_url,
                    "summary": webhook_summary(op, prices),
                },
                fair_key=op.owner_id,
            )


def operation_handlers(undriven: Undriven, prices: PriceList) -> dict[type[Message], Handler]:
    """The process manager's handlers; consume them with `skip=undriven.skips`."""
    on_script_event = script_event_handler(undriven, prices)
    return message_handlers(OperationsUnitOfWork, {event_type: on_script_event for event_type in HANDLED_EVENTS})
