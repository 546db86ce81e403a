"""The unit of work a handler is handed: its repositories, and one transaction to commit in.

Outside `async with uow:` the repositories read the database as it is (a handler looks before
it does slow work: an AI call, a render). Inside, they read and write within one transaction,
which also records the message in the inbox (or checks the job's lease) and holds what the
handler emits and queues; all of it commits together when the block ends, or none of it.

Each service subclasses `MongoUnitOfWork` with its repositories (`_bind`), registers it in its
`bootstrap.py` with `message_handlers` / `job_handler` / `give_up_handler`, and its handlers take
`(message or job, uow)`. Unit tests hand the same handlers an in-memory unit of work.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any, ParamSpec, Protocol, Self, TypeVar

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from reelflow_contracts.envelope import Envelope
from reelflow_contracts.messages.base import Message
from reelflow_contracts.messages.common import CommandRejected
from reelflow_kit.domain import RuleBroken
from reelflow_kit.failures import Failure
from reelflow_kit.handling import Handler, HandlerContext
from reelflow_kit.jobs import DONE, FAILED, GiveUpHandler, Job, JobContext, JobHandler, enqueue_job
from reelflow_kit.transaction import Transaction, Transactions, derived_id

log = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")


class UnitOfWork(Protocol):
    """What every handler may do with its unit of work, whichever service it is in."""

    async def __aenter__(self) -> Any: ...

    async def __aexit__(self, *exc: object) -> bool | None: ...

    def emit(self, message: Message) -> None: ...

    async def enqueue(
        self, kind: str, job_id: str, payload: dict[str, Any], *, fair_key: str | None = None, delay_s: float = 0.0
    ) -> None: ...

    def refuse(self, code: str, reason: str) -> None: ...

    def obeying(self, change: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None: ...

    def derived_id(self, *parts: object) -> str: ...


class MongoUnitOfWork:
    def __init__(
        self,
        db: AsyncDatabase[dict[str, Any]],
        open_transaction: Callable[[], contextlib.AbstractAsyncContextManager[Transaction]],
        *,
        id_seed: str,
        cause: Envelope[Message] | None = None,
        job: Job | None = None,
        report: Callable[..., Awaitable[None]] | None = None,
        open_failed: Callable[[Failure], contextlib.AbstractAsyncContextManager[Transaction]] | None = None,
    ) -> None:
        self._db = db
        self._open_transaction = open_transaction
        self._id_seed = id_seed
        self._transaction: contextlib.AbstractAsyncContextManager[Transaction] | None = None
        self._tx: Transaction | None = None
        self._report = report
        self._open_failed = open_failed
        self.cause = cause
        """The message being handled (None in a job)."""
        self.job = job
        """The job being run (None for a message)."""
        self._bind(db, None)

    @classmethod
    def for_message(cls, ctx: HandlerContext[Any]) -> Self:
        return cls(ctx.db, ctx.transaction, id_seed=ctx.envelope.id, cause=ctx.envelope)

    @classmethod
    def for_request(cls, transactions: Transactions, *, correlation_id: str) -> Self:
        """A unit of work outside any message or job (an HTTP request): its emitted ids are new."""
        return cls(
            transactions.db, lambda: transactions.transaction(correlation_id=correlation_id), id_seed=str(uuid.uuid4())
        )

    @classmethod
    def for_job(cls, ctx: JobContext) -> Self:
        """The job's unit of work: its block commits the job's outcome, `done` (see `failing`)."""
        return cls(
            ctx.db,
            lambda: ctx.transaction(status=DONE),
            id_seed=f"job/{ctx.job.id}",
            job=ctx.job,
            report=ctx.report,
            open_failed=lambda failure: ctx.transaction(status=FAILED, failure=failure),
        )

    def failing(self, failure: Failure) -> Self:
        """This job's unit of work, its block committing the job `failed` with `failure` instead."""
        assert self._open_failed is not None, "only a job fails"
        open_failed = self._open_failed
        self._open_transaction = lambda: open_failed(failure)
        return self

    def _bind(self, db: AsyncDatabase[dict[str, Any]], session: AsyncClientSession | None) -> None:
        """Make the service's repositories on `db`, within `session` when there is one."""

    async def __aenter__(self) -> Self:
        self._transaction = self._open_transaction()
        self._tx = await self._transaction.__aenter__()
        self._bind(self._tx.db, self._tx.session)
        return self

    async def __aexit__(self, *exc: Any) -> bool | None:
        assert self._transaction is not None
        try:
            return await self._transaction.__aexit__(*exc)
        finally:
            self._tx = self._transaction = None
            self._bind(self._db, None)

    def _current(self) -> Transaction:
        if self._tx is None:
            raise RuntimeError("emit and enqueue only inside `async with uow:`")
        return self._tx

    def emit(self, message: Message) -> None:
        self._current().emit(message)

    async def enqueue(
        self, kind: str, job_id: str, payload: dict[str, Any], *, fair_key: str | None = None, delay_s: float = 0.0
    ) -> None:
        await enqueue_job(self._current(), kind, job_id, payload, fair_key=fair_key, delay_s=delay_s)

    @contextlib.contextmanager
    def answering(self, command_id: str, correlation_id: str | None) -> Iterator[None]:
        """Within the block, what is emitted and queued is caused by the command `command_id`
        (and continues its correlation), whatever this unit of work handles: a request answered
        later, from another message or a job, is still known by the command it answers."""
        tx = self._current()
        before = tx.causation_id, tx.correlation_id
        tx.causation_id, tx.correlation_id = command_id, correlation_id
        try:
            yield
        finally:
            tx.causation_id, tx.correlation_id = before

    def refuse(self, code: str, reason: str) -> None:
        """Answer the command with its service's CommandRejected (committed like any outcome)."""
        assert self.cause is not None, "only a command can be refused"
        log.info("command rejected", extra={"code": code, "reason": reason, "ce_type": self.cause.type})
        self.emit(CommandRejected.of(self.cause, code=code, reason=reason))

    def obeying(self, change: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        """`change(*args, **kwargs)`: the aggregate's new state; or None, the command refused with
        the rule it broke."""
        try:
            return change(*args, **kwargs)
        except RuleBroken as broken:
            self.refuse(broken.code, broken.reason)
            return None

    def derived_id(self, *parts: object) -> str:
        """A stable id for something made in reaction to this message or job."""
        return derived_id(self._id_seed, *parts)

    async def report(self, *events: Message) -> None:
        """A job's interim events (progress), in their own small transaction."""
        assert self._report is not None, "only a job reports progress"
        await self._report(*events)


U = TypeVar("U", bound=MongoUnitOfWork)
M = TypeVar("M", bound=Message)
MessageHandler = Callable[[Any, U], Awaitable[None]]
"""`(message, uow)`: what a service's message handler is (registered per message type, so it
takes the one type it is registered for)."""
JobWork = Callable[[Job, U], Awaitable[None]]
JobGiveUp = Callable[[Job, Failure, U], Awaitable[None]]


def message_handlers(
    unit_of_work: type[U], handlers: Mapping[type[Message], MessageHandler[U]]
) -> dict[type[Message], Handler]:
    """The kit's handlers for `handlers`: each is called with the message and a fresh unit of work."""

    def bound(handler: MessageHandler[U]) -> Handler:
        async def handle(ctx: HandlerContext[Any]) -> None:
            await handler(ctx.message, unit_of_work.for_message(ctx))

        handle.__name__ = getattr(handler, "__name__", "handle")
        return handle

    return {kind: bound(handler) for kind, handler in handlers.items()}


def job_handler(unit_of_work: type[U], work: JobWork[U]) -> JobHandler:
    async def run(ctx: JobContext) -> None:
        await work(ctx.job, unit_of_work.for_job(ctx))

    return run


def give_up_handler(unit_of_work: type[U], give_up: JobGiveUp[U]) -> GiveUpHandler:
    """`give_up(job, failure, uow)`: commits in `uow.failing(failure)`."""

    async def run(ctx: JobContext, failure: Failure) -> None:
        await give_up(ctx.job, failure, unit_of_work.for_job(ctx))

    return run
