"""What an OpenAI client exception means for the caller: retry, try the next model, or stop."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import openai

from reelflow_kit.ai.openai_compat.retry_policy import parse_retry_after

Scope = Literal["retry", "next_model", "fatal"]


@dataclass(frozen=True)
class CallFailure:
    code: str
    message: str
    scope: Scope
    retry_after: float | None = None

    def with_note(self, note: str) -> CallFailure:
        return replace(self, message=f"{self.message} ({note})")

    def final(self, note: str) -> CallFailure:
        """This failure, ending the whole call (no other model is tried)."""
        return replace(self.with_note(note), scope="fatal")


def classify(exc: Exception) -> CallFailure:
    if isinstance(exc, openai.APITimeoutError):
        return CallFailure("timeout", "the request timed out", "retry")
    if isinstance(exc, openai.APIConnectionError):
        return CallFailure("unreachable", f"cannot connect: {_cause(exc)}", "retry")
    if isinstance(exc, openai.APIStatusError):
        return _from_status(exc)
    return CallFailure("provider_error", f"{type(exc).__name__}: {exc}", "next_model")


def _from_status(exc: openai.APIStatusError) -> CallFailure:
    status = exc.status_code
    text = f"HTTP {status}: {_server_message(exc)}"
    retry_after = parse_retry_after(exc.response.headers)
    if status == 429:
        return CallFailure("rate_limited", text, "retry", retry_after)
    if status >= 500 or status in (408, 409):
        return CallFailure("provider_unavailable", text, "retry", retry_after)
    if status in (401, 403):
        return CallFailure("auth_failed", text, "fatal")
    if status == 404:
        return CallFailure("model_not_found", text, "next_model")
    return CallFailure("bad_request", text, "next_model")


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict) and isinstance(message := body.get("message"), str):
        return message
    if isinstance(body, str) and body.strip():
        return body.strip()[:1000]
    return exc.message


def _cause(exc: BaseException) -> str:
    cause = exc.__cause__ or exc.__context__
    return f"{type(cause).__name__}: {cause}" if cause else str(exc)
