"""In-memory stand-ins for unit tests of handler decisions: a unit of work that keeps what a
handler emitted, queued and committed, and helpers to wrap a command as the bus delivers it.
Per service, `tests/support/fakes/<service>.py` adds its repositories."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from reelflow_contracts.envelope import Envelope, new_envelope
from reelflow_contracts.messages.base import Message
from reelflow_contracts.messages.common import CommandRejected
from reelflow_kit.domain import RuleBroken
from reelflow_kit.failures import Failure
from reelflow_kit.handling import derived_id
from reelflow_kit.jobs import Job


class Identified(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=Identified)


def delivered(message: Message, source: str = "gateway") -> Envelope:
    """`message` as a consumer receives it."""
    return new_envelope(message, source=source)


def job(kind: str, payload: dict, attempt: int = 1, job_id: str = "job-1") -> Job:
    return Job(id=job_id, kind=kind, payload=payload, attempt=attempt, correlation_id="corr", causation_id="cause")


class InMemoryRepository(Generic[T]):
    """Aggregates by id, in a dict (`by_id`) that tests look into."""

    def __init__(self, *items: T) -> None:
        self.by_id = {item.id: item for item in items}

    async def get(self, id: str) -> T | None:
        return self.by_id.get(id)

    async def add(self, item: T) -> None:
        assert item.id not in self.by_id, "duplicate key"
        self.by_id[item.id] = item

    async def save(self, item: T) -> None:
        self.by_id[item.id] = item

    async def exists(self, id: str) -> bool:
        return id in self.by_id


@dataclass
class Queued:
    kind: str
    job_id: str
    payload: dict
    fair_key: str | None = None
    delay_s: float = 0.0


class FakeUnitOfWork:
    """Like the kit's MongoUnitOfWork, in memory. A block that raises keeps nothing it emitted or
    queued (repositories of subclasses are plain dicts and keep their writes: tests look at the
    events); `emitted`, `enqueued` and `commits` say what committed."""

    def __init__(self, cause: Envelope | None = None, job: Job | None = None) -> None:
        self.cause = cause
        self.job = job
        self.emitted: list[Message] = []
        self.enqueued: list[Queued] = []
        self.reports: list[Message] = []
        self.commits = 0
        self.failed_with: Failure | None = None
        self._failing: Failure | None = None
        self._open = False
        self._emitting: list[Message] = []
        self._queueing: list[Queued] = []
        self.answered: list[tuple[str, Message]] = []
        """What was emitted `answering` a command: (command id, message), as the gateway sees it."""
        self._answering: str | None = None

    async def __aenter__(self) -> Any:
        assert not self._open, "one block at a time"
        self._open, self._emitting, self._queueing = True, [], []
        return self

    async def __aexit__(self, exc_type: object, *exc: object) -> None:
        self._open = False
        if exc_type is None:
            self.commits += 1
            self.emitted += self._emitting
            self.enqueued += self._queueing
            if self._failing is not None:
                self.failed_with = self._failing

    def emit(self, message: Message) -> None:
        assert self._open, "emit only inside `async with uow:`"
        self._emitting.append(message)
        if self._answering is not None:
            self.answered.append((self._answering, message))

    async def enqueue(
        self, kind: str, job_id: str, payload: dict, *, fair_key: str | None = None, delay_s: float = 0.0
    ) -> None:
        assert self._open, "enqueue only inside `async with uow:`"
        self._queueing.append(Queued(kind, job_id, payload, fair_key, delay_s))

    @contextlib.contextmanager
    def answering(self, command_id: str, correlation_id: str | None) -> Iterator[None]:
        assert self._open, "answering only inside `async with uow:`"
        self._answering = command_id
        try:
            yield
        finally:
            self._answering = None

    def refuse(self, code: str, reason: str) -> None:
        assert self.cause is not None, "only a command can be refused"
        self.emit(CommandRejected.of(self.cause, code=code, reason=reason))

    def obeying(self, change: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return change(*args, **kwargs)
        except RuleBroken as broken:
            self.refuse(broken.code, broken.reason)
            return None

    def derived_id(self, *parts: object) -> str:
        seed = self.cause.id if self.cause is not None else f"job/{self.job.id if self.job else 'job'}"
        return derived_id(seed, *parts)

    def failing(self, failure: Failure) -> FakeUnitOfWork:
        self._failing = failure
        return self

    async def report(self, *events: Message) -> None:
        self.reports += events

    @property
    def refusals(self) -> list[tuple[str, str]]:
        return [(m.code, m.reason) for m in self.emitted if isinstance(m, CommandRejected)]


@dataclass
class Recorder:
    """Calls made to a fake collaborator (AI, media store), for asserting what a handler asked."""

    calls: list[tuple] = field(default_factory=list)
