"""The one exception every AI provider raises when it gives up."""

from __future__ import annotations

from reelflow_contracts.messages.base import Usage
from reelflow_kit.failures import Failed, Failure

RETRYABLE_CODES = frozenset({"rate_limited", "provider_unavailable", "timeout", "unreachable", "deadline_exceeded",
                             "provider_error", "invalid_output"})
"""Codes of failures that another try, later, may well not meet (the others need a change first:
a key, a model name, a request)."""


class AIProviderError(Failed):
    """A provider could not deliver a result, after its retries and fallbacks.

    `code` is machine-readable snake_case (`rate_limited`, `provider_unavailable`, `timeout`,
    `unreachable`, `invalid_output`, `auth_failed`, `bad_request`, `model_not_found`);
    `attempts` counts the requests made; `usage` is what those requests cost anyway.
    `retry_after` is the wait (seconds) the server last asked for, when it asked for one longer
    than the provider was willing to wait itself: a caller with a durable retry (a job) can
    come back after that long. As a `Failed`, it says itself whether trying again may help.
    """

    def __init__(self, code: str, message: str, *, attempts: int = 1, usage: Usage | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(Failure(code, message, retryable=code in RETRYABLE_CODES, delay_s=retry_after))
        self.message = message
        self.attempts = attempts
        self.usage = usage or Usage()
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.failure.retryable

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"AIProviderError(code={self.code!r}, attempts={self.attempts}, message={self.message!r})"
