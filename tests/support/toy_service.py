"""A minimal service built on the runtime kit, for testing the kit against real servers.

`Add` commands increment a counter per script id and emit `Added` through the outbox.
Run as a process with `python -m tests.support.toy_service`; with TOY_CRASH_MARKER set to a
path that does not exist yet, the process creates it and dies (os._exit) right after its
first commit for script TOY_CRASH_SCRIPT, before the Kafka offset is committed.
"""

from __future__ import annotations

import os
from pathlib import Path

from pymongo import ReturnDocument

from reelflow_contracts.messages.base import Command, Event, message
from reelflow_kit.handling import HandlerContext
from reelflow_kit.logging import configure_logging
from reelflow_kit.runtime import ServiceRuntime, serve
from reelflow_kit.settings import KitSettings

TOY_COMMANDS = "kit-test.commands"
TOY_EVENTS = "kit-test.events"


@message("reelflow.kittest.add.v1", topic=TOY_COMMANDS)
class Add(Command):
    amount: int


@message("reelflow.kittest.added.v1", topic=TOY_EVENTS)
class Added(Event):
    amount: int
    total: int


async def handle_add(ctx: HandlerContext[Add]) -> None:
    if ctx.message.amount < 0:
        raise ValueError("negative amounts are a bug in the sender")  # a handler failure, not bad input
    async with ctx.transaction() as tx:
        counter = await tx.db.counters.find_one_and_update(
            {"_id": ctx.message.script_id},
            {"$inc": {"total": ctx.message.amount}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=tx.session,
        )
        tx.emit(Added(script_id=ctx.message.script_id, amount=ctx.message.amount, total=counter["total"]))


def build(settings: KitSettings, group: str) -> ServiceRuntime:
    runtime = ServiceRuntime(settings, uses_object_store=False, topics=[TOY_COMMANDS, TOY_EVENTS])
    runtime.consume(group, [TOY_COMMANDS], {Add: handle_add})
    return runtime


def crash_once_after_commit(marker: Path, script_id: str):
    def hook(ctx: HandlerContext) -> None:
        if ctx.message.script_id == script_id and not marker.exists():
            marker.write_text(ctx.envelope.id)
            os._exit(137)

    return hook


def main() -> None:
    settings = KitSettings(service_name="toy")
    configure_logging("toy", settings.log_level)
    runtime = build(settings, os.environ["TOY_GROUP"])
    if marker := os.environ.get("TOY_CRASH_MARKER"):
        runtime.after_commit_hooks.append(crash_once_after_commit(Path(marker), os.environ["TOY_CRASH_SCRIPT"]))
    serve(runtime)


if __name__ == "__main__":
    main()
