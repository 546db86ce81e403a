"""Projection handlers: event -> view change + command outcome, in one transaction.

After the commit, the outcome wakes the write request waiting for it in this process (if any).
"""

from __future__ import annotations

from typing import Awaitable, Callable, Mapping

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_contracts import (
    CATALOG,
    CommandRejected,
    ScriptApproved,
    ScriptCreated,
    ScriptGenerationFailed,
    ScriptUpdated,
)
from reelflow_contracts.envelope import Envelope
from reelflow_contracts.messages.base import Message
from reelflow_kit.handling import Handler, HandlerContext

from reelflow_gateway.readmodel import scripts
from reelflow_gateway.readmodel.outcomes import Outcome, OutcomeWaiters, store_outcome

Apply = Callable[[AsyncDatabase, AsyncClientSession, Envelope], Awaitable["dict | None"]]
"""Writes an event's view change; returns the new view document when there is one."""


def applied(env: Envelope) -> Outcome | None:
    """The outcome of the command an event answers (events not caused by a command have none)."""
    if not env.causation_id:
        return None
    return Outcome(command_id=env.causation_id, status="applied", subject=env.subject,
                   event_type=env.type, at=env.time)


def generation_failed(env: Envelope[ScriptGenerationFailed]) -> Outcome | None:
    m = env.data
    if not m.final or not env.causation_id:
        return None  # a failed attempt the service still retries answers nothing yet
    return Outcome(command_id=env.causation_id, status="failed", subject=env.subject, event_type=env.type,
                   at=env.time, code=m.code, reason=m.error)


def rejected(env: Envelope[CommandRejected]) -> Outcome:
    m = env.data
    return Outcome(command_id=m.command_id, status="rejected", subject=m.target_id, event_type=env.type,
                   at=env.time, code=m.code, reason=m.reason)


def projection(apply: Apply | None, outcome_of: Callable[[Envelope], Outcome | None],
               waiters: OutcomeWaiters) -> Handler:
    async def handle(ctx: HandlerContext) -> None:
        outcome = outcome_of(ctx.envelope)
        view = None
        async with ctx.transaction() as tx:
            if apply is not None:
                view = await apply(tx.db, tx.session, ctx.envelope)
            if outcome is not None:
                await store_outcome(tx.db, tx.session, outcome)
        waiters.resolve(outcome, view)  # committed: wake the request waiting for it here, if any

    return handle


def rejection_types() -> list[type[CommandRejected]]:
    """Every service's CommandRejected subclass in the catalog."""
    return [cls for cls in CATALOG.values() if issubclass(cls, CommandRejected)]


def handlers(waiters: OutcomeWaiters) -> Mapping[type[Message], Handler]:
    table: dict[type[Message], Handler] = {
        ScriptCreated: projection(scripts.apply_created, applied, waiters),
        ScriptUpdated: projection(scripts.apply_updated, applied, waiters),
        ScriptApproved: projection(scripts.apply_approved, applied, waiters),
        ScriptGenerationFailed: projection(scripts.apply_generation_failed, generation_failed, waiters),
    }
    for cls in rejection_types():
        table[cls] = projection(None, rejected, waiters)
    return table
