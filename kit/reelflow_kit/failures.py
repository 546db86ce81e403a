"""Failures as data: a code, a message, whether trying again may help and after how long.

Job handlers raise a `Failed` (usually `RetryLater`); the job queue keeps its `Failure`, not only
its text, and hands the last one to the give-up handler, which reports it with its code."""

from __future__ import annotations

from dataclasses import dataclass

UNEXPECTED = "unexpected_error"
"""The code of a failure nobody named (an exception that is not a `Failed`)."""


@dataclass(frozen=True)
class Failure:
    code: str
    message: str
    retryable: bool = True
    delay_s: float | None = None
    """How long to wait before trying again, when the cause said (e.g. a Retry-After)."""

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def to_doc(self) -> dict:
        return {"code": self.code, "message": self.message, "retryable": self.retryable}

    @classmethod
    def from_doc(cls, doc: dict) -> "Failure":
        return cls(code=doc["code"], message=doc["message"], retryable=doc.get("retryable", True))

    def named(self, code: str) -> "Failure":
        """This failure, with `code` if nobody named it (an unexpected error)."""
        return Failure(code, self.message, self.retryable, self.delay_s) if self.code == UNEXPECTED else self

    @classmethod
    def of(cls, exc: BaseException) -> "Failure":
        """The failure an exception stands for: its own if it is a `Failed`, else an unexpected one."""
        if isinstance(exc, Failed):
            return exc.failure
        return cls(UNEXPECTED, f"{type(exc).__name__}: {exc}")


class Failed(Exception):
    """An exception that carries its `Failure`."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure

    @property
    def code(self) -> str:
        return self.failure.code


class RetryLater(Failed):
    """Put the job back; run it again after `delay_s` (counts as an attempt)."""

    def __init__(self, code: str, message: str, delay_s: float | None = None) -> None:
        super().__init__(Failure(code, message, retryable=True, delay_s=delay_s))

    @property
    def delay_s(self) -> float | None:
        return self.failure.delay_s


class DeadlineExceeded(RetryLater):
    """The handler ran past its pool's deadline and was cancelled (counts as an attempt)."""

    def __init__(self, deadline_s: float) -> None:
        super().__init__("deadline_exceeded", f"deadline of {deadline_s:g} s exceeded")


class Outage(Failed):
    """A server the job needs is away (e.g. S3 answering 503): put the job back with a growing
    delay, without counting an attempt."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(Failure(code, message, retryable=True))
